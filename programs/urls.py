from django.urls import path

from programs import views

app_name = "programs"

P = "o/<slug:org_slug>/programs/"

urlpatterns = [
    path(P, views.program_list, name="list"),
    path(P + "new/", views.program_create, name="create"),
    path(P + "start/", views.start, name="start"),
    path(P + "upload/", views.import_upload, name="import_upload"),
    path(P + "upload/template.csv", views.import_template, name="import_template"),
    path(P + "upload/template.xlsx", views.import_template_xlsx, name="import_template_xlsx"),
    path(P + "upload/<int:batch_id>/", views.import_batch, name="import_batch"),
    path(P + "upload/<int:batch_id>/errors.csv", views.import_batch_errors_csv, name="import_batch_errors"),
    path(P + "upload/<int:batch_id>/send/", views.import_batch_send, name="import_batch_send"),
    path(P + "upload/<int:batch_id>/reupload/", views.import_batch_reupload, name="import_batch_reupload"),
    path(P + "billing/", views.billing, name="billing"),
    path(P + "billing.csv", views.billing_csv, name="billing_csv"),
    path(P + "<int:program_id>/", views.program_detail, name="program"),
    path(P + "<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path(P + "<int:program_id>/start/", views.program_start, name="program_start"),
    path(P + "<int:program_id>/runs/new/", views.run_create, name="run_create"),
    path(P + "<int:program_id>/runs/<int:run_id>/", views.run_enrolled, name="run"),
    path(P + "<int:program_id>/runs/<int:run_id>/edit/", views.run_edit, name="run_edit"),
    path(P + "<int:program_id>/runs/<int:run_id>/invitations/", views.run_invitations, name="run_invitations"),
    path(
        P + "<int:program_id>/runs/<int:run_id>/invitations/cancel/",
        views.run_invitations_cancel,
        name="run_invitations_cancel",
    ),
    path(
        P + "<int:program_id>/runs/<int:run_id>/enrolled/<int:enrolment_id>/unenrol/",
        views.enrolment_unenrol,
        name="enrolment_unenrol",
    ),
    path(P + "<int:program_id>/runs/<int:run_id>/enrolled.csv", views.run_enrolled_csv, name="run_enrolled_csv"),
    path(
        P + "<int:program_id>/runs/<int:run_id>/invitations.csv", views.run_invitations_csv, name="run_invitations_csv"
    ),
    path(P + "<int:program_id>/invite/", views.invite, name="invite"),
    path(P + "<int:program_id>/enrol/", views.enrol, name="enrol"),
    path(P + "<int:program_id>/admins/grant/", views.learner_admin_grant, name="learner_admin_grant"),
    path(P + "<int:program_id>/admins/<int:role_id>/revoke/", views.learner_admin_revoke, name="learner_admin_revoke"),
    path(
        P + "<int:program_id>/invitations/<int:invitation_id>/",
        views.invitation_detail,
        name="invitation_detail",
    ),
    path(
        P + "<int:program_id>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        P + "<int:program_id>/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
