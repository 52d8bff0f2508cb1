from django.urls import path

from badges import views

app_name = "badges"

ORG = "o/<slug:org_slug>/"

urlpatterns = [
    # Organiser area
    path(ORG + "activities/", views.activities, name="activities"),
    path(ORG + "activities/new/", views.activity_create, name="activity_create"),
    path(ORG + "activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path(ORG + "activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path(ORG + "activities/<int:pk>/publish/", views.activity_publish, name="activity_publish"),
    path(ORG + "activities/<int:pk>/unpublish/", views.activity_unpublish, name="activity_unpublish"),
    path(ORG + "playlists/new/", views.playlist_create, name="playlist_create"),
    path(ORG + "playlists/<int:pk>/", views.playlist_detail, name="playlist_detail"),
    path(ORG + "playlists/<int:pk>/edit/", views.playlist_edit, name="playlist_edit"),
    path(ORG + "playlists/<int:pk>/publish/", views.playlist_publish, name="playlist_publish"),
    path(ORG + "playlists/<int:pk>/unpublish/", views.playlist_unpublish, name="playlist_unpublish"),
    path(ORG + "playlists/<int:pk>/invite/", views.playlist_invite, name="playlist_invite"),
    path(ORG + "playlists/<int:pk>/items/<int:item_pk>/<str:direction>/", views.playlist_move, name="playlist_move"),
    path(ORG + "badges/<slug:public_id>/", views.badge_detail, name="badge_detail"),
    path(ORG + "badges/<slug:public_id>/edit/", views.badge_edit, name="badge_edit"),
    path(ORG + "badges/<slug:public_id>/issue/", views.badge_issue, name="badge_issue"),
    path(ORG + "badges/<slug:public_id>/link/", views.badge_link, name="badge_link"),
    path(ORG + "badges/<slug:public_id>/qr.<str:kind>", views.badge_qr, name="badge_qr"),
    path(ORG + "badges/<slug:public_id>/tasks/", views.task_create, name="task_create"),
    path(ORG + "badges/<slug:public_id>/tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path(ORG + "assertions/<slug:public_id>/revoke/", views.assertion_revoke, name="assertion_revoke"),
    path(ORG + "evidence/", views.queue, name="queue"),
    path(ORG + "evidence/<int:pk>/review/", views.organiser_review, name="organiser_review"),
    # Public: catalogue and organisations' pages
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/activities/<slug:public_id>/", views.public_activity, name="public_activity"),
    path("catalogue/playlists/<slug:public_id>/", views.public_playlist, name="public_playlist"),
    path("org/<slug:org_slug>/", views.organisation_page, name="organisation"),
    # Public: Open Badges 2.0 documents (JSON-LD or a page, by Accept header or the .json form)
    path("ob/issuers/<slug:org_slug>", views.issuer, name="issuer"),
    path("ob/issuers/<slug:org_slug>.json", views.issuer, {"suffix": ".json"}, name="issuer_json"),
    path("ob/badges/<slug:public_id>", views.badge_class, name="badge_class"),
    path("ob/badges/<slug:public_id>.json", views.badge_class, {"suffix": ".json"}, name="badge_class_json"),
    path("ob/badges/<slug:public_id>/image", views.badge_image, name="badge_image"),
    path("ob/assertions/<slug:public_id>", views.assertion, name="assertion"),
    path("ob/assertions/<slug:public_id>.json", views.assertion, {"suffix": ".json"}, name="assertion_json"),
    path("ob/assertions/<slug:public_id>/image", views.assertion_image, name="assertion_image"),
    # Learners
    path("badges/claim/<str:code>/", views.claim, name="claim"),
    path("badges/accept/<str:token>/", views.accept, name="accept"),
    path("badges/quests/<slug:public_id>/", views.quest, name="quest"),
    path("badges/quests/<slug:public_id>/tasks/<int:task_pk>/", views.evidence_submit, name="evidence_submit"),
    path("badges/reviews/", views.reviews, name="reviews"),
    path("badges/reviews/<slug:public_id>/", views.peer_review, name="peer_review"),
    path("badges/evidence/<slug:public_id>/file", views.evidence_file, name="evidence_file"),
    path("badges/mine/<slug:public_id>/evidence/", views.evidence_visibility, name="evidence_visibility"),
]
