"""Demo badges: a badge held by the demo learner (aligned to an ESCO skill, tagged, expiring two years after
issue), a playlist half done, evidence waiting, a revoked badge.

Safe to run again: every step looks for what it would create first.
"""

import datetime

from badges import services
from badges.models import Activity, Assertion, BadgeClass, EvidenceSubmission, Playlist, PublishStatus, Task

# ESCO, the European classification of skills: the skill "provide first aid", found through the ESCO
# skills browser (an organiser would paste the skill's concept URI, http://data.europa.eu/esco/skill/…).
ESCO_FIRST_AID = {
    "targetName": "provide first aid",
    "targetUrl": "https://esco.ec.europa.eu/en/classification/skill_main",
    "targetDescription": "Help someone who is hurt or ill until medical help takes over.",
    "targetFramework": "ESCO (European Skills, Competences, Qualifications and Occupations)",
}


def _activity(org, user, title: str, **fields) -> Activity:
    activity, _ = Activity.objects.get_or_create(organisation=org, title=title, defaults={"created_by": user, **fields})
    if activity.status != PublishStatus.PUBLISHED:
        services.activity_publish(activity=activity, user=user)
        activity.refresh_from_db()
    return activity


def build(context: dict) -> dict:
    org, organiser = context["org"], context["organiser"]
    learner, learner2 = context["learner"], context["learner2"]

    first_aid = _activity(
        org,
        organiser,
        "Forest first aid",
        description="A day in the woods learning to help someone who is hurt, far from a road.",
        criteria="Take part in the whole day and the final scenario.",
        start_date=datetime.date(2026, 5, 16),
        end_date=datetime.date(2026, 5, 16),
        place="Lyon",
    )
    river = _activity(
        org,
        organiser,
        "River safety",
        description="Reading the water, throwing a rope, and staying safe on the bank.",
        criteria="Complete the rope-throw drill.",
        start_date=datetime.date(2026, 6, 6),
        end_date=datetime.date(2026, 6, 7),
        place="Grenoble",
    )
    mentoring = _activity(
        org,
        organiser,
        "Peer mentoring",
        description="Welcome a newcomer to the network and meet them three times.",
        criteria="Write how the three meetings went; an organiser reviews it.",
        place="Online",
    )
    # First aid is refreshed every two years; the badge says which ESCO skill it stands for.
    badge = first_aid.badge
    if not badge.alignment:
        services.badge_update(
            badge=badge,
            user=organiser,
            name=badge.name,
            description=badge.description,
            criteria=badge.criteria,
            expiry=services.Expiry(after=24, unit=BadgeClass.ExpiryUnit.MONTHS),
            alignment=[ESCO_FIRST_AID],
            tags=["first aid", "outdoors", "safety"],
        )
    for activity in (first_aid, river, mentoring):
        if not activity.badge.link.enabled:
            services.badge_link_update(
                badge=activity.badge, user=organiser, enabled=True, expires_at=None, max_claims=None, new_code=False
            )

    playlist = Playlist.objects.filter(organisation=org, title="Outdoor leader").first()
    if playlist is None:
        playlist = services.playlist_create(
            organisation=org,
            user=organiser,
            data={
                "title": "Outdoor leader",
                "description": "First aid and river safety: both badges make an outdoor leader.",
            },
            activity_ids=[first_aid.pk, river.pk],
        )
    if playlist.status != PublishStatus.PUBLISHED:
        services.playlist_publish(playlist=playlist, user=organiser)
    playlist_badge = BadgeClass.objects.get(playlist=playlist)
    if not playlist_badge.tags:
        services.badge_update(
            badge=playlist_badge,
            user=organiser,
            name=playlist_badge.name,
            description=playlist_badge.description,
            criteria=playlist_badge.criteria,
            tags=["outdoors", "leadership"],
        )

    # The demo learner holds the first-aid badge: the playlist is half done.
    if not Assertion.objects.filter(badge=first_aid.badge, recipient=learner).exists():
        services.badge_link_claim(code=first_aid.badge.link.code, user=learner)

    # Evidence waiting in the organisers' queue.
    title = "How did the three meetings go?"
    task = Task.objects.filter(badge=mentoring.badge, title=title).first() or services.task_create(
        badge=mentoring.badge, user=organiser, title=title, approval=Task.Approval.ORGANISER
    )
    if not EvidenceSubmission.objects.filter(task=task, learner=learner2).exists():
        services.badge_link_claim(code=mentoring.badge.link.code, user=learner2)
        services.evidence_submit(
            task=task,
            learner=learner2,
            text="We met at the youth centre, then went climbing, then planned her first exchange together.",
        )

    # A revoked badge, to see how a revoked assertion answers.
    if not Assertion.objects.filter(badge=river.badge, recipient_email=learner2.email).exists():
        services.badge_issue_to_emails(badge=river.badge, text=learner2.email, issued_by=organiser)
        revoked = Assertion.objects.get(badge=river.badge, recipient_email=learner2.email)
        services.assertion_revoke(assertion=revoked, reason="Issued to the wrong person by mistake.", user=organiser)

    return {"badge_activity": first_aid, "badge_playlist": playlist}
