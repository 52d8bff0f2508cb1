"""Settings for the test suite: the project's settings with fast, isolated defaults.

The database still comes from DATABASE_URL, so CI runs the suite on PostgreSQL.
"""

from learnerpass.settings import *  # noqa: F403
from learnerpass.settings import BASE_DIR, DATABASES

DEBUG = False
SECRET_KEY = "test-only-key"
CREDENTIALS_KEYS = ["test-only-credentials-key-0123456789abcdef"]
ALLOWED_HOSTS = ["*"]
SITE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in the database whether REDIS_URL is set or not (CI sets it), so the query counts the tests
# assert are the same everywhere; test_pages checks the Redis-backed sessions themselves.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEV_MAILBOX = True
# Tasks run in-process (TASKS_EAGER); tests that need a real worker use the real_broker fixture.
TASKS_EAGER = True
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Local public/private folders under MEDIA_ROOT (a temporary folder per test, see conftest.py);
# the S3 tests point these at a local S3 server themselves.
STORAGES = {
    "default": {"BACKEND": "learnerpass.lib.storage.LocalPrivateFiles"},
    "public": {"BACKEND": "learnerpass.lib.storage.LocalPublicFiles"},
    "private": {"BACKEND": "learnerpass.lib.storage.LocalPrivateFiles"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
MEDIA_ROOT = BASE_DIR / ".test-media"
# WhiteNoise serves static files from the finders here: there is no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
