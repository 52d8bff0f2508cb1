from django.contrib import admin
from django.urls import include, path

from learnerpass import health, views
from learnerpass.lib import files

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, files).
    path("favicon.ico", views.favicon),
    path("me/", views.me, name="me"),
    # Public files (badge images, logos) through a view that sends the sandboxing headers, in every mode.
    path("files/<path:name>", files.public_file, name="public_file"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dev/mailbox/", include("outbox.urls")),
    path("", include("credentials.urls")),
    path("", include("organisations.urls")),
    path("", include("jobs.urls")),
    path("", include("programs.urls")),
    path("", include("certificates.urls")),
    path("", include("badges.urls")),
]
