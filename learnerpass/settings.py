"""LearnerPass settings, read from the environment (see .env.example).

With nothing set the project runs in its embedded mode: SQLite, Celery tasks run
eagerly in-process, and emails stay in the outbox where the development mailbox
shows them.
"""

from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from learnerpass.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_path,
    env_secrets,
    env_str,
    parse_database_url,
    s3_storage_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
# The port `make run` serves on; links default to it, so a second copy on another port links to itself.
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The header a trusted reverse proxy puts the client address in (e.g. HTTP_X_FORWARDED_FOR);
# empty: REMOTE_ADDR. Used by rate limits (see learnerpass/lib/http.py).
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_countries",
    "django_include_bootstrap",
    "learnerpass",
    "organisations",
    "outbox",
    "jobs",
    "credentials",
    "programs",
    "certificates",
    "badges",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id.
    "learnerpass.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Sessions begun under the earlier backends name this one from their next request.
    "learnerpass.accounts.SessionBackendUpgrade",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "learnerpass.urls"
WSGI_APPLICATION = "learnerpass.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's templates come first so base.html overrides the one
        # shipped by django-include-bootstrap.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} remembers the links it made (learnerpass/templatetags/cached_url.py).
            "builtins": ["learnerpass.templatetags.cached_url"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learnerpass.context_processors.navigation",
                "learnerpass.context_processors.frame_urls",
            ],
        },
    },
]

# Persistent connections: a fresh PostgreSQL connection per request measured
# several times slower here than reusing one.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
# The web process's garbage collector (learnerpass/wsgi.py): a young-generation collection after this many new
# objects instead of Python's 700. A page allocates tens of thousands of short-lived objects, and the default
# collected several times in every request, each pass walking them all; 0 keeps Python's default.
WEB_GC_THRESHOLD = env_int("WEB_GC_THRESHOLD", 50_000)
DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=CONN_MAX_AGE,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters sent apart from the SQL, and the statements a connection runs again and again
    # (from the 5th time) prepared: PostgreSQL then skips parsing and planning them, which took
    # two thirds of its time on the dashboard (4.4 ms of CPU per visit before, 1.5 after).
    # false behind a connection pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode before 1.21).
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Redis down must not be a 500: the cache steps aside (reads miss, rate limits let people
    # through, a warning is logged), and gives up on a connection quickly.
    CACHES = {
        "default": {
            "BACKEND": "learnerpass.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions are read from Redis and written to both, which saves a query on every signed-in page;
    # with Redis down they come from the database. (Not with the per-process memory cache below: a
    # session ended in one process would live on in another's memory.)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # allauth's (an email or a username, and a password) with the signed-in user read by a prepared query.
    "learnerpass.accounts.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: the email address is the login.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Several addresses per account: following an emailed link may add the address it was sent to
# (learnerpass/lib/links.py); changing the primary address must not drop the others.
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[LearnerPass] "
ACCOUNT_ADAPTER = "learnerpass.accounts.AccountAdapter"
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
if not ACCOUNT_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
]
# The languages a certificate can be issued in (the organiser chooses one per project; a learner may also
# download a copy in another). Separate from the interface's LANGUAGES: these cover the certificate, its
# verification page, the guidance in the learner's form and the emails to learners, with catalogues under
# locale/<code>/. Names are written in their own language.
CERTIFICATE_LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("uk", "Українська"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files by kind (learnerpass/lib/storage.py): "public" (badge images, baked badges, logos) and
# "private" (certificate PDFs, evidence, uploaded tables; no URL, every download is a view that
# checks who asks). Local folders under MEDIA_ROOT by default; S3-compatible storage with
# STORAGE_URL=s3://bucket[/prefix] (two prefixes in one bucket, or STORAGE_PRIVATE_URL for a
# second bucket). Nothing is ever served from a raw /media/ path.
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "media")
STORAGE_URL = env_str("STORAGE_URL", "")
STORAGE_PRIVATE_URL = env_str("STORAGE_PRIVATE_URL", "")
if STORAGE_URL:
    AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "") or None
    AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "") or None
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
    AWS_S3_ADDRESSING_STYLE = env_str("AWS_S3_ADDRESSING_STYLE", "") or None
    FILE_STORAGES = {
        "public": s3_storage_options(STORAGE_URL, "public", "learnerpass.lib.storage.S3PublicFiles"),
        "private": s3_storage_options(
            STORAGE_PRIVATE_URL or STORAGE_URL,
            "" if STORAGE_PRIVATE_URL else "private",
            "learnerpass.lib.storage.S3PrivateFiles",
        ),
    }
else:
    FILE_STORAGES = {
        "public": {"BACKEND": "learnerpass.lib.storage.LocalPublicFiles"},
        "private": {"BACKEND": "learnerpass.lib.storage.LocalPrivateFiles"},
    }
STORAGES = {
    # Nothing should store through the default storage; it is the private one if something does.
    "default": FILE_STORAGES["private"],
    **FILE_STORAGES,
    # WhiteNoise serves the collected, hashed and compressed static files when DEBUG is off.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps are for developers' tools: compressing them (brotli and gzip) doubled collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Uploads beyond this are refused by each upload form with a clear message;
# Django's own limits stop oversize bodies before they reach memory.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Rows read from an uploaded table at most (learnerpass/lib/tabular.py); imports may set lower limits.
MAX_TABLE_ROWS = env_int("MAX_TABLE_ROWS", 200_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}

# Email: every message is an outbox row first. The default transport keeps it
# there (the development mailbox shows it); set EMAIL_BACKEND to SMTP in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LearnerPass <noreply@learnerpass.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails sent by one task over one SMTP connection.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 200)
# A transient SMTP failure (4xx, the server down) is retried after about as long as the email has
# been failing, at least the base and at most the max, for OUTBOX_RETRY_FOR_SECONDS; then it fails.
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 15 * 60)
OUTBOX_RETRY_FOR_SECONDS = env_int("OUTBOX_RETRY_FOR_SECONDS", 24 * 60 * 60)
# How long a sender keeps retrying the database after the SMTP server took an email.
OUTBOX_DB_RETRY_SECONDS = env_int("OUTBOX_DB_RETRY_SECONDS", 120)
# A sender has OUTBOX_CLAIM_SECONDS to send the batch it claimed; after that (its worker died),
# the sweeper, every OUTBOX_SWEEP_SECONDS, queues again the emails nobody is sending and that
# have waited at least that long.
OUTBOX_CLAIM_SECONDS = env_int("OUTBOX_CLAIM_SECONDS", 5 * 60)
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 5 * 60)
# true: every "sent" mark waits for PostgreSQL to flush it to disk (several times slower).
OUTBOX_SYNCHRONOUS_COMMIT = env_bool("OUTBOX_SYNCHRONOUS_COMMIT", False)

# Verifiable credentials: the organisations' Ed25519 private keys are stored encrypted with the
# first of these; every one listed can decrypt (list the old one second while rotating).
CREDENTIALS_KEYS = env_secrets(
    "CREDENTIALS_KEY", debug=DEBUG, debug_default="dev-only-credentials-key-never-use-in-production"
)
# The development mailbox shows password-reset links: never with DEBUG off, whatever the environment says
# (the view also wants a browser on this machine).
DEV_MAILBOX = env_bool("DEV_MAILBOX", DEBUG) and DEBUG

# Celery. With REDIS_URL, Redis is the broker. Without it (the embedded default) the broker is a
# folder: kombu's filesystem transport made safe for several writers (learnerpass/broker.py,
# `lpfs://`), under BROKER_DIR, next to the SQLite database so a second copy has its own; `make run`
# starts a worker and beat on it. TASKS_EAGER=true runs tasks in-process instead, inside the request
# that queued them: for the tests and for a bare runserver with no worker, never for real use.
TASKS_EAGER = env_bool("TASKS_EAGER", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _broker_default = Path(str(DATABASES["default"]["NAME"]) + ".broker")
else:
    _broker_default = BASE_DIR / f".broker-{DATABASES['default']['NAME']}"
BROKER_DIR = env_path("BROKER_DIR", _broker_default)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # With acks_late, a task whose worker died is delivered again after this long. Longer than any
    # task or retry countdown (the outbox waits at most 10 minutes between tries), so a slow task is
    # not delivered twice; recovery does not wait for it: the jobs' and the outbox's sweepers queue
    # lost work again within minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 1800)}
else:
    CELERY_BROKER_URL = "lpfs://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        # Seconds between looks at an empty queue: a task waits about this long to start.
        "polling_interval": 0.1,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = TASKS_EAGER
CELERY_TASK_EAGER_PROPAGATES = True
# The project's logging (request and task ids on every line) applies in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ROUTES = {
    # Exact names win over the pattern: certificate emails and bulk sends never wait behind a batch of PDFs.
    "certificates.tasks.send_deadline_reminders": {"queue": "celery"},
    "certificates.tasks.individuals_bulk": {"queue": "celery"},
    "certificates.tasks.*": {"queue": "pdf"},
}
CELERY_BEAT_SCHEDULE = {
    "certificates-deadline-reminders": {
        "task": "certificates.tasks.send_deadline_reminders",
        "schedule": 60 * 60,
    },
    "requeue-stale-emails": {
        "task": "outbox.tasks.requeue_stale_emails",
        "schedule": env_int("OUTBOX_SWEEP_SECONDS", 5 * 60),
    },
    "expire-invitations": {
        "task": "programs.tasks.expire_invitations",
        "schedule": 15 * 60,
    },
    "escalate-peer-reviews": {
        "task": "badges.tasks.escalate_stale_peer_reviews",
        "schedule": 60 * 60,
    },
    "sweep-jobs": {
        "task": "jobs.tasks.sweep_jobs",
        "schedule": env_int("JOBS_SWEEP_SECONDS", 30),
    },
    "worker-heartbeat": {
        "task": "jobs.tasks.heartbeat",
        "schedule": 30,
    },
}

# The site's own pages: scripts only from the site, no inline script or style, no eval (htmx is
# configured for that in base.html), nothing framed, forms posted only here. Responses that carry
# uploaded or derived files set their own, stricter policy (learnerpass/lib/files.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for Bootstrap's own icons and QR codes drawn inline.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Certificates: learners still writing get a reminder this many days before their deadline.
CERTIFICATES_REMINDER_DAYS = env_int("CERTIFICATES_REMINDER_DAYS", 3)

# Recorded jobs (see jobs/__init__.py). A running job silent for JOBS_HEARTBEAT_TIMEOUT
# seconds, or queued and not started within JOBS_QUEUED_TIMEOUT, is queued again by the
# sweeper, at most JOBS_MAX_ATTEMPTS starts; a job silent for JOBS_STUCK_SECONDS shows as
# stuck with a Retry button. Progress is written at most every JOBS_PROGRESS_SECONDS.
JOBS_HEARTBEAT_TIMEOUT = env_int("JOBS_HEARTBEAT_TIMEOUT", 90)
JOBS_QUEUED_TIMEOUT = env_int("JOBS_QUEUED_TIMEOUT", 180)
JOBS_STUCK_SECONDS = env_int("JOBS_STUCK_SECONDS", 300)
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 5)
JOBS_PROGRESS_SECONDS = env_float("JOBS_PROGRESS_SECONDS", 1.0)
JOBS_POLL_SECONDS = env_float("JOBS_POLL_SECONDS", 1.0)

# /healthz: a worker counts as alive when its heartbeat (beat queues one every 30 s) is this recent;
# the broker check gives up after HEALTHZ_TIMEOUT seconds.
HEALTHZ_WORKER_MAX_AGE = env_int("HEALTHZ_WORKER_MAX_AGE", 120)
HEALTHZ_TIMEOUT = env_float("HEALTHZ_TIMEOUT", 2.0)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every line carries the request or task id (learnerpass/logs.py); LOG_FORMAT=json writes JSON lines.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "learnerpass.logs.ContextFilter"}},
    "formatters": {
        "text": {"()": "learnerpass.logs.TextFormatter"},
        "json": {"()": "learnerpass.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
