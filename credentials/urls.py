from django.urls import path

from credentials import views

app_name = "credentials"

urlpatterns = [
    path("o/<slug:org_slug>/did.json", views.did_document, name="did"),
    path("o/<slug:org_slug>/credentials/status/<str:list_id>", views.status_list, name="status_list"),
    path("credentials/verify/", views.verify, name="verify"),
]
