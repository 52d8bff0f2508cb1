from django.urls import path

from outbox import views

app_name = "outbox"

urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("<int:pk>/", views.mailbox_email, name="mailbox_email"),
]
