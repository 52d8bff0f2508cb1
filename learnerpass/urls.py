from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from learnerpass import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, files).
    path("favicon.ico", views.favicon),
    path("me/", views.me, name="me"),
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
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
