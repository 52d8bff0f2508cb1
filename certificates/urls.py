from django.urls import path

from certificates import views

app_name = "certificates"

ORG = "o/<slug:org_slug>/"

urlpatterns = [
    path(ORG + "projects/", views.projects, name="projects"),
    path(ORG + "projects/new/", views.project_create, name="project_create"),
    path(ORG + "projects/<int:pk>/", views.project, name="project"),
    path(ORG + "projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path(ORG + "projects/<int:pk>/individuals/new/", views.individual_add, name="individual_add"),
    path(ORG + "projects/<int:pk>/individuals/import/", views.individuals_import, name="individuals_import"),
    path(
        ORG + "projects/<int:pk>/individuals/import/template.csv",
        views.individuals_import_template,
        name="individuals_import_template",
    ),
    path(
        ORG + "projects/<int:pk>/individuals/import/errors.csv",
        views.individuals_import_errors,
        name="individuals_import_errors",
    ),
    path(ORG + "projects/<int:pk>/individuals/bulk/", views.individuals_bulk, name="individuals_bulk"),
    path(ORG + "projects/<int:pk>/certificates/generate/", views.project_generate, name="project_generate"),
    path(ORG + "projects/<int:pk>/certificates/replace/", views.project_replace, name="project_replace"),
    path(ORG + "projects/<int:pk>/certificates/progress/", views.certificate_progress, name="progress"),
    path(ORG + "projects/<int:pk>/certificates.zip", views.project_zip, name="project_zip"),
    path(ORG + "projects/<int:pk>/certificates/zip/", views.project_zip_prepare, name="project_zip_prepare"),
    path(ORG + "individuals/<int:pk>/", views.individual, name="individual"),
    path(ORG + "individuals/<int:pk>/edit/", views.individual_edit, name="individual_edit"),
    path(ORG + "individuals/<int:pk>/connect/", views.individual_connect, name="individual_connect"),
    path(ORG + "individuals/<int:pk>/invite/", views.individual_invite, name="individual_invite"),
    path(ORG + "individuals/<int:pk>/remind/", views.individual_remind, name="individual_remind"),
    path(ORG + "individuals/<int:pk>/disconnect/", views.individual_disconnect, name="individual_disconnect"),
    path(ORG + "individuals/<int:pk>/delete/", views.individual_delete, name="individual_delete"),
    path(ORG + "individuals/<int:pk>/review/", views.review, name="review"),
    path(ORG + "individuals/<int:pk>/accept/", views.accept, name="accept"),
    path(ORG + "individuals/<int:pk>/request-changes/", views.request_changes, name="request_changes"),
    path(ORG + "individuals/<int:pk>/generate/", views.individual_generate, name="individual_generate"),
    path(ORG + "certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path(ORG + "certificates/<int:pk>/download/", views.certificate_download, name="certificate_download"),
    path("certificates/connect/<str:token>/", views.connect, name="connect"),
    path("certificates/edit/<str:token>/", views.edit_link, name="edit_link"),
    path("me/certificates/<str:public_id>/", views.learner_edit, name="learner_edit"),
    path("me/certificates/<str:public_id>/save/", views.learner_save, name="learner_save"),
    path("me/certificates/<str:public_id>/submit/", views.learner_submit, name="learner_submit"),
    path("me/certificate-pdf/<str:code>/", views.learner_download, name="learner_download"),
    path("me/certificate-pdf/<str:code>/languages/", views.learner_copy_request, name="learner_copy_request"),
    path("me/certificate-pdf/<str:code>/<str:language>/", views.learner_copy_download, name="learner_copy_download"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/credential", views.credential, name="credential"),
    path("verify/<str:code>/qr.png", views.qr, name="qr"),
]
