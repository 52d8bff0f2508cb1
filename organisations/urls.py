from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("o/new/", views.organisation_create, name="create"),
    path("o/<slug:org_slug>/", views.home, name="home"),
    path("o/<slug:org_slug>/settings/", views.settings_view, name="settings"),
    path("o/<slug:org_slug>/members/", views.members, name="members"),
    path("o/<slug:org_slug>/members/invite/", views.member_invite, name="member_invite"),
    path("o/<slug:org_slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("o/<slug:org_slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("o/<slug:org_slug>/member-invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("o/<slug:org_slug>/member-invitations/<int:pk>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("join/<str:token>/", views.invitation, name="invitation"),
]
