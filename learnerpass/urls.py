from django.contrib import admin
from django.urls import include, path

from learnerpass import views
from learnerpass.lib import files

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, files).
    path("favicon.ico", views.favicon),
    path("me/", views.me, name="me"),
    path("healthz", views.healthz, name="healthz"),
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
