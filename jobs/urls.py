from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("o/<slug:org_slug>/jobs/<str:public_id>/", views.job_detail, name="detail"),
    path("o/<slug:org_slug>/jobs/<str:public_id>/retry/", views.job_retry, name="retry"),
]
