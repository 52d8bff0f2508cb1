from badges.models import Activity, Assertion, BadgeLink, EvidenceSubmission, Playlist
from badges.selectors import learner_dashboard
from organisations.demo import DEMO_PEOPLE
from organisations.models import Organisation


def run_demo():
    from badges import demo
    from organisations import demo as org_demo

    context = org_demo.build({})
    return demo.build(context)


def test_the_demo_builds_every_badge_example_and_runs_twice(db):
    run_demo()
    counts = (Activity.objects.count(), Playlist.objects.count(), Assertion.objects.count())
    run_demo()

    assert (Activity.objects.count(), Playlist.objects.count(), Assertion.objects.count()) == counts
    learner_email = DEMO_PEOPLE["learner"][0]
    assert Assertion.objects.filter(recipient__email=learner_email, revoked_at__isnull=True).count() == 1
    assert EvidenceSubmission.objects.filter(status="submitted").count() == 1
    assert Assertion.objects.filter(revoked_at__isnull=False).count() == 1
    from django.contrib.auth import get_user_model

    data = learner_dashboard(get_user_model().objects.get(email=learner_email))
    (progress,) = data["playlists"]
    assert progress["percent"] == 50
    assert Organisation.objects.get(slug="demo").badge_activities.count() == 3
    first_aid = Activity.objects.get(title="Forest first aid").badge
    assert first_aid.alignment[0]["targetName"] == "provide first aid"
    assert first_aid.alignment[0]["targetFramework"].startswith("ESCO")
    assert first_aid.tags == ["first aid", "outdoors", "safety"]
    held = Assertion.objects.get(badge=first_aid, recipient__email=learner_email)
    assert held.expires is not None and held.expires > held.issued_on
    assert all(link.enabled for link in BadgeLink.objects.filter(badge__organisation__slug="demo"))
