from django.urls import path

from badges.views import learner, numbers, organiser, public

app_name = "badges"

ORG = "o/<slug:org_slug>/"

urlpatterns = [
    # Organiser area
    path(ORG + "activities/", organiser.activities, name="activities"),
    path(ORG + "activities/new/", organiser.activity_create, name="activity_create"),
    path(ORG + "activities/<int:pk>/", organiser.activity_detail, name="activity_detail"),
    path(ORG + "activities/<int:pk>/edit/", organiser.activity_edit, name="activity_edit"),
    path(ORG + "activities/<int:pk>/publish/", organiser.activity_publish, name="activity_publish"),
    path(ORG + "activities/<int:pk>/unpublish/", organiser.activity_unpublish, name="activity_unpublish"),
    path(ORG + "playlists/new/", organiser.playlist_create, name="playlist_create"),
    path(ORG + "playlists/<int:pk>/", organiser.playlist_detail, name="playlist_detail"),
    path(ORG + "playlists/<int:pk>/edit/", organiser.playlist_edit, name="playlist_edit"),
    path(ORG + "playlists/<int:pk>/publish/", organiser.playlist_publish, name="playlist_publish"),
    path(ORG + "playlists/<int:pk>/unpublish/", organiser.playlist_unpublish, name="playlist_unpublish"),
    path(ORG + "playlists/<int:pk>/invite/", organiser.playlist_invite, name="playlist_invite"),
    path(
        ORG + "playlists/<int:pk>/items/<int:item_pk>/<str:direction>/", organiser.playlist_move, name="playlist_move"
    ),
    path(ORG + "badges/<slug:public_id>/", organiser.badge_detail, name="badge_detail"),
    path(ORG + "badges/<slug:public_id>/edit/", organiser.badge_edit, name="badge_edit"),
    path(ORG + "badges/<slug:public_id>/issue/", organiser.badge_issue, name="badge_issue"),
    path(ORG + "badges/<slug:public_id>/link/", organiser.badge_link, name="badge_link"),
    path(ORG + "badges/<slug:public_id>/qr.<str:kind>", organiser.badge_qr, name="badge_qr"),
    path(ORG + "badges/<slug:public_id>/holders.csv", organiser.badge_holders_csv, name="badge_holders_csv"),
    path(ORG + "badges/<slug:public_id>/numbers/", numbers.badge_numbers, name="badge_numbers"),
    path(ORG + "badges/<slug:public_id>/numbers.csv", numbers.badge_numbers_csv, name="badge_numbers_csv"),
    path(ORG + "badge-numbers/", numbers.org_numbers, name="org_numbers"),
    path(ORG + "badge-numbers.csv", numbers.org_numbers_csv, name="org_numbers_csv"),
    path(ORG + "badges/<slug:public_id>/tasks/", organiser.task_create, name="task_create"),
    path(ORG + "badges/<slug:public_id>/tasks/<int:pk>/edit/", organiser.task_edit, name="task_edit"),
    path(ORG + "badges/<slug:public_id>/tasks/<int:pk>/delete/", organiser.task_delete, name="task_delete"),
    path(ORG + "badges/<slug:public_id>/tasks/<int:pk>/move-<str:direction>/", organiser.task_move, name="task_move"),
    path(ORG + "assertions/<slug:public_id>/revoke/", organiser.assertion_revoke, name="assertion_revoke"),
    path(ORG + "evidence/", organiser.queue, name="queue"),
    path(ORG + "evidence/<int:pk>/review/", organiser.organiser_review, name="organiser_review"),
    # Public: catalogue and organisations' pages
    path("catalogue/", public.catalogue, name="catalogue"),
    path("catalogue/activities/<slug:public_id>/", public.public_activity, name="public_activity"),
    path("catalogue/playlists/<slug:public_id>/", public.public_playlist, name="public_playlist"),
    path("org/<slug:org_slug>/", public.organisation_page, name="organisation"),
    # Public: Open Badges 2.0 documents (JSON-LD or a page, by Accept header or the .json form)
    path("ob/issuers/<slug:org_slug>", public.issuer, name="issuer"),
    path("ob/issuers/<slug:org_slug>.json", public.issuer, {"suffix": ".json"}, name="issuer_json"),
    path("ob/badges/<slug:public_id>", public.badge_class, name="badge_class"),
    path("ob/badges/<slug:public_id>.json", public.badge_class, {"suffix": ".json"}, name="badge_class_json"),
    path("ob/badges/<slug:public_id>/image", public.badge_image, name="badge_image"),
    path("ob/badges/<slug:public_id>/image.png", public.badge_image_png, name="badge_image_png"),
    path("ob/assertions/<slug:public_id>", public.assertion, name="assertion"),
    path("ob/assertions/<slug:public_id>.json", public.assertion, {"suffix": ".json"}, name="assertion_json"),
    path("ob/assertions/<slug:public_id>/image", public.assertion_image, name="assertion_image"),
    path("ob/assertions/<slug:public_id>/credential", public.assertion_credential, name="assertion_credential"),
    path("ob/assertions/<slug:public_id>/qr.png", public.assertion_qr, name="assertion_qr"),
    # Learners
    path("badges/claim/<str:code>/", learner.claim, name="claim"),
    path("badges/accept/<str:token>/", learner.accept, name="accept"),
    path("badges/quests/<slug:public_id>/", learner.quest, name="quest"),
    path("badges/quests/<slug:public_id>/tasks/<int:task_pk>/", learner.evidence_submit, name="evidence_submit"),
    path("badges/reviews/", learner.reviews, name="reviews"),
    path("badges/reviews/<slug:public_id>/", learner.peer_review, name="peer_review"),
    path("badges/evidence/<slug:public_id>/file", learner.evidence_file, name="evidence_file"),
    path("badges/mine/<slug:public_id>/evidence/", learner.evidence_visibility, name="evidence_visibility"),
    path("badges/mine/<slug:public_id>/name/", learner.name_visibility, name="name_visibility"),
]
