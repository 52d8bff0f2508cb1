"""Issuing, claiming, revoking and baking assertions."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from badges import baking, images, ob
from badges.models import (
    Assertion,
    AssertionClaim,
    BadgeClass,
    BadgeEvent,
    BadgeLink,
    PendingLinkClaim,
    Playlist,
    PublishStatus,
    Quest,
)
from badges.services import emails, vc
from badges.services.common import BadgesError, IssueReport, audit, parse_emails, required_tasks
from jobs.models import Job
from jobs.services import JobRun, job_start
from learnerpass.lib.links import require_link_address
from learnerpass.lib.storage import PUBLIC, delete_on_commit, random_name
from learnerpass.lib.tokens import new_token
from learnerpass.lib.urls import absolute_url
from outbox.services import build_email, emails_queue

CLAIM_LIFETIME = timedelta(days=180)
_SLOT = "__SLOT__"
MAX_EMAILS_PER_ISSUE = 100_000


def new_recipient(email: str) -> tuple[str, str]:
    salt = secrets.token_hex(16)
    return salt, ob.recipient_identity(email, salt)


def _verified_users(emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), 5000):
        for email, user_id in EmailAddress.objects.filter(
            email__in=emails[start : start + 5000], verified=True
        ).values_list("email", "user_id"):
            found[email.lower()] = user_id
    return found


@transaction.atomic
def badge_issue_to_emails(*, badge: BadgeClass, text: str, issued_by, expires: datetime | None = None) -> IssueReport:
    """Issue the badge to every new address in a pasted list, in one go, and queue one email each.

    Images are baked by a recorded job started after commit.
    """
    report = IssueReport()
    emails, report.invalid, report.duplicates = parse_emails(text)
    if expires is not None and expires <= timezone.now():
        raise BadgesError(_("The expiry date must be in the future."))
    if len(emails) > MAX_EMAILS_PER_ISSUE:
        raise BadgesError(
            ngettext("At most %(n)s address at once.", "At most %(n)s addresses at once.", MAX_EMAILS_PER_ISSUE)
            % {"n": MAX_EMAILS_PER_ISSUE}
        )
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(pk=badge.pk)
    held = set(Assertion.objects.filter(badge=badge, revoked_at__isnull=True).values_list("recipient_email", flat=True))
    report.already_held = [e for e in emails if e in held]
    new = [e for e in emails if e not in held]
    if not new:
        return report
    users = _verified_users(new)
    now = timezone.now()
    # A date typed on the issue form wins; otherwise the badge's own expiry rule applies.
    expires = expires or badge.expiry_for(now)
    assertions = []
    for email in new:
        salt, identity = new_recipient(email)
        assertions.append(
            Assertion(
                badge=badge,
                recipient_email=email,
                recipient_id=users.get(email),
                salt=salt,
                identity=identity,
                issued_on=now,
                expires=expires,
                source=Assertion.Source.EMAIL,
                issued_by=issued_by,
            )
        )
    vc.allocate_status(assertions, organisation=badge.organisation)
    assertions = Assertion.objects.bulk_create(assertions, batch_size=2000)
    claims, tokens = [], []
    for assertion in assertions:
        raw, token_hash = new_token()
        claims.append(AssertionClaim(assertion=assertion, token_hash=token_hash, expires_at=now + CLAIM_LIFETIME))
        tokens.append(raw)
    AssertionClaim.objects.bulk_create(claims, batch_size=2000)
    bake_after_commit(assertions, badge=badge, started_by=issued_by)
    common = {"badge": badge.name, "issuer": badge.organisation.name}
    # Reversing two URLs per recipient was a tenth of a 10,000-address issue; fill a template instead.
    accept_url = absolute_url("badges:accept", token=_SLOT)
    assertion_url = absolute_url("badges:assertion", public_id=_SLOT)
    emails_queue(
        [
            build_email(
                to=assertion.recipient_email,
                template="badges/badge_awarded",
                context={
                    **common,
                    "url": accept_url.replace(_SLOT, raw),
                    "assertion_url": assertion_url.replace(_SLOT, assertion.public_id),
                },
                kind="badge_awarded",
                ref=assertion,
            )
            for assertion, raw in zip(assertions, tokens, strict=True)
        ]
    )
    report.issued = new
    audit(
        organisation_id=badge.organisation_id,
        actor=issued_by,
        action=BadgeEvent.Action.ISSUED,
        badge=badge,
        detail=f"{len(new)} by email",
    )
    for user_id in {a.recipient_id for a in assertions if a.recipient_id}:
        _check_playlists(user_id=user_id, badge=badge)
    return report


def assertion_issue(*, badge: BadgeClass, user, source: str, issued_by=None, evidence=None) -> tuple[Assertion, bool]:
    """Issue once: the caller holds the badge row's lock; an existing live assertion is returned instead."""
    existing = _held_by(badge=badge, user=user)
    if existing is not None:
        return existing, False
    email = user.email.strip().lower()
    salt, identity = new_recipient(email)
    now = timezone.now()
    assertion = Assertion(
        badge=badge,
        recipient_email=email,
        recipient=user,
        salt=salt,
        identity=identity,
        issued_on=now,
        expires=badge.expiry_for(now),
        source=source,
        issued_by=issued_by,
        evidence=evidence or [],
    )
    try:
        with transaction.atomic():
            vc.allocate_status([assertion], organisation=badge.organisation)
            assertion.save(force_insert=True)
    except IntegrityError:
        # Another request issued it between our check and insert (only possible without row locks, e.g. SQLite).
        return Assertion.objects.get(badge=badge, recipient_email=email, revoked_at__isnull=True), False
    audit(
        organisation_id=badge.organisation_id,
        actor=issued_by or user,
        action=BadgeEvent.Action.ISSUED,
        badge=badge,
        detail=f"{source} to {email}",
    )
    emails.badge_earned(assertion=assertion)
    bake_after_commit([assertion], badge=badge, started_by=issued_by or user)
    _check_playlists(user_id=user.pk, badge=badge)
    return assertion, True


def _held_by(*, badge: BadgeClass, user) -> Assertion | None:
    """The person's live assertion of this badge, by account or by address; one sent to their address
    before they had an account is attached to it now, and may complete a playlist."""
    held = (
        Assertion.objects.filter(badge=badge, revoked_at__isnull=True)
        .filter(Q(recipient=user) | Q(recipient_email=user.email.strip().lower()))
        .first()
    )
    if held is not None and held.recipient_id is None:
        held.recipient = user
        held.save(update_fields=["recipient"])
        _check_playlists(user_id=user.pk, badge=badge)
    return held


def _check_playlists(*, user_id: int, badge: BadgeClass) -> None:
    """Issue the badge of every published playlist this activity badge completes for the learner.

    Only live (unrevoked) activity badges count. A playlist badge the organisers revoked from this
    person is not issued again automatically: their decision stands until they issue it by hand.
    """
    if badge.activity_id is None:
        return
    revoked_playlist_badges = Assertion.objects.filter(
        badge_id=OuterRef("badge"), recipient_id=user_id, revoked_at__isnull=False
    )
    playlists = list(
        Playlist.objects.filter(
            items__activity_id=badge.activity_id, status=PublishStatus.PUBLISHED, badge__isnull=False
        )
        .exclude(Exists(revoked_playlist_badges))
        .select_related("badge", "badge__organisation")
        .prefetch_related("items")
    )
    if not playlists:
        return
    # Issuing a playlist badge changes no activity badge, so what the learner holds is read once.
    held_activities = set(
        Assertion.objects.filter(
            recipient_id=user_id, revoked_at__isnull=True, badge__activity_id__isnull=False
        ).values_list("badge__activity_id", flat=True)
    )
    user = None
    for playlist in playlists:
        activity_ids = {item.activity_id for item in playlist.items.all()}
        if len(held_activities & activity_ids) >= playlist.required_count(len(activity_ids)):
            user = user or get_user_model().objects.get(pk=user_id)
            playlist_badge = BadgeClass.objects.select_for_update().get(pk=playlist.badge.pk)
            assertion_issue(badge=playlist_badge, user=user, source=Assertion.Source.PLAYLIST)


def claim_problem(claim: AssertionClaim | None) -> str | None:
    if claim is None:
        return _("This badge link is not valid.")
    if claim.used_at is not None:
        return _("This badge has already been claimed into an account.")
    if claim.assertion.is_revoked:
        return _("This badge was revoked by its issuer.")
    if claim.is_expired:
        return _("This link has expired. Ask the issuer to send the badge again.")
    return None


@transaction.atomic
def assertion_claim_accept(*, token: str, user, add_address: bool = False) -> Assertion:
    """Attach a badge issued to an email address to the account that owns the address
    (with add_address, an address no account owns is first added to `user`)."""
    claim = AssertionClaim.by_token(token).select_for_update().select_related("assertion__badge").first()
    problem = claim_problem(claim)
    if problem:
        raise BadgesError(problem)
    assertion = claim.assertion
    if assertion.recipient_id and assertion.recipient_id != user.pk:
        raise BadgesError(_("This badge already belongs to another account."))
    require_link_address(user=user, email=assertion.recipient_email, add_address=add_address, error=BadgesError)
    if (
        Assertion.objects.filter(badge=assertion.badge, recipient=user, revoked_at__isnull=True)
        .exclude(pk=assertion.pk)
        .exists()
    ):
        raise BadgesError(_("You already hold this badge."))
    claim.used_at = timezone.now()
    claim.used_by = user
    claim.save(update_fields=["used_at", "used_by"])
    if assertion.recipient_id is None:
        assertion.recipient = user
        assertion.save(update_fields=["recipient"])
        _check_playlists(user_id=user.pk, badge=assertion.badge)
    audit(
        organisation_id=assertion.badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.CLAIMED,
        badge=assertion.badge,
        detail=f"emailed badge to {assertion.recipient_email}",
    )
    return assertion


def link_problem(link: BadgeLink | None, *, check_limit: bool = True) -> str | None:
    if link is None or not link.enabled:
        return _("This badge link is not active.")
    if link.expires_at and link.expires_at <= timezone.now():
        return _("This badge link has expired.")
    if check_limit and link.max_claims is not None and link.claims_count >= link.max_claims:
        return _("This badge link has been used as many times as the organiser allowed.")
    if link.badge.source is not None and link.badge.source.status != PublishStatus.PUBLISHED:
        return _("This badge is not available at the moment.")
    return None


PENDING_CLAIMS_KEPT = 5


@transaction.atomic
def link_claims_remember(*, user, codes: list[str]) -> int:
    """Remember the badge links this person opened before their account was confirmed (newest last in
    `codes`), so /me/ can offer to continue them wherever they confirm. Unknown codes are ignored."""
    links = list(BadgeLink.objects.filter(code__in=codes[-PENDING_CLAIMS_KEPT:]))
    created = 0
    for link in links:
        _pending, new = PendingLinkClaim.objects.get_or_create(user=user, link=link)
        created += new
    return created


@dataclass
class ClaimResult:
    assertion: Assertion | None = None
    quest: Quest | None = None
    created: bool = False


@transaction.atomic
def badge_link_claim(*, code: str, user) -> ClaimResult:
    """Follow the badge's link: the badge at once, or the start of the quest when tasks need evidence.

    Claiming again returns what the learner already has and does not count as a claim.
    """
    link = BadgeLink.objects.select_related("badge__activity", "badge__playlist").filter(code=code).first()
    # The limit is checked by the conditional UPDATE below, after a holder's repeat visit is answered.
    problem = link_problem(link, check_limit=False)
    if problem:
        raise BadgesError(problem)
    badge = BadgeClass.objects.select_for_update().select_related("organisation").get(pk=link.badge_id)
    # Whatever happens next, a claim waiting for this account is being continued now.
    PendingLinkClaim.objects.filter(user=user, link=link).delete()
    held = _held_by(badge=badge, user=user)
    if held is not None:
        return ClaimResult(assertion=held)
    needs_evidence = bool(required_tasks(badge))
    if needs_evidence:
        quest = Quest.objects.filter(badge=badge, learner=user).first()
        if quest is not None:
            return ClaimResult(quest=quest)
    counted = (
        BadgeLink.objects.filter(pk=link.pk, enabled=True)
        .filter(Q(max_claims__isnull=True) | Q(claims_count__lt=F("max_claims")))
        .update(claims_count=F("claims_count") + 1)
    )
    if not counted:
        raise BadgesError(_("This badge link has been used as many times as the organiser allowed."))
    if needs_evidence:
        quest = Quest.objects.create(badge=badge, learner=user)
        return ClaimResult(quest=quest, created=True)
    assertion, created = assertion_issue(badge=badge, user=user, source=Assertion.Source.LINK)
    return ClaimResult(assertion=assertion, created=created)


@transaction.atomic
def assertion_revoke(*, assertion: Assertion, reason: str, user) -> Assertion:
    assertion = Assertion.objects.select_for_update().select_related("badge").get(pk=assertion.pk)
    if assertion.is_revoked:
        raise BadgesError(_("This badge is already revoked."))
    if not reason.strip():
        raise BadgesError(_("Give a reason: it is published with the revocation."))
    assertion.revoked_at = timezone.now()
    assertion.revocation_reason = reason.strip()[:500]
    assertion.revoked_by = user
    assertion.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
    # One truth: the OB 3.0 status list says so in the same transaction as the 2.0 document and the pages.
    vc.revoke_status(assertion)
    audit(
        organisation_id=assertion.badge.organisation_id,
        actor=user,
        action=BadgeEvent.Action.REVOKED,
        badge=assertion.badge,
        detail=f"{assertion.recipient_email}: {assertion.revocation_reason}",
    )
    emails.badge_revoked(assertion=assertion)
    return assertion


@transaction.atomic
def assertion_set_evidence_visibility(*, assertion: Assertion, user, show: bool) -> Assertion:
    assertion = Assertion.objects.select_for_update().get(pk=assertion.pk)
    if assertion.recipient_id != user.pk:
        raise BadgesError(_("Only the holder can change this."))
    assertion.show_evidence = show
    # The baked image and the 3.0 credential carry the evidence: the image file goes (hidden evidence
    # must not stay public in it) and both are made again (the image in the background).
    delete_on_commit(PUBLIC, assertion.baked_image.name)
    assertion.baked_image = ""
    assertion.credential = ""
    assertion.save(update_fields=["show_evidence", "baked_image", "credential"])
    bake_after_commit([assertion], badge=assertion.badge, started_by=user)
    return assertion


MAX_NAME_LENGTH = 200


@transaction.atomic
def assertion_set_name(*, assertion: Assertion, user, show: bool, name: str = "") -> Assertion:
    """The holder's choice: their name on the share page (never in the Open Badges documents)."""
    assertion = Assertion.objects.select_for_update().get(pk=assertion.pk)
    if assertion.recipient_id != user.pk:
        raise BadgesError(_("Only the holder can change this."))
    name = " ".join(name.split())
    if show and not name:
        raise BadgesError(_("Write the name to show."))
    if len(name) > MAX_NAME_LENGTH:
        raise BadgesError(
            ngettext(
                "The name can have at most %(n)s character.",
                "The name can have at most %(n)s characters.",
                MAX_NAME_LENGTH,
            )
            % {"n": MAX_NAME_LENGTH}
        )
    assertion.show_name = show
    if name:
        assertion.holder_name = name
    assertion.save(update_fields=["show_name", "holder_name"])
    return assertion


def badge_base_image(badge: BadgeClass) -> tuple[bytes, str]:
    """The badge's picture as (bytes, "png" or "svg"): the upload, or the generated default."""
    if badge.image:
        with badge.image.open("rb") as handle:
            return handle.read(), badge.image_kind
    return images.default_svg(badge.name, badge.colour), "svg"


def _bake(assertion: Assertion) -> tuple[bytes, str]:
    image, kind = badge_base_image(assertion.badge)
    payload = ob.dumps(ob.assertion_document(assertion)).decode("utf-8")
    if kind == "png":
        return baking.bake_png(image, payload), kind
    return baking.bake_svg(image, payload, ob.assertion_url(assertion)), kind


def _stored_baked_image(assertion: Assertion) -> tuple[bytes, str] | None:
    if not assertion.baked_image:
        return None
    try:
        with assertion.baked_image.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    return data, "png" if data.startswith(baking.PNG_SIGNATURE) else "svg"


def assertion_baked_image(*, assertion: Assertion) -> tuple[bytes, str]:
    """The assertion's baked image: the one the bake job stored, else baked now in memory and not stored.

    Baking is a chunk added to a PNG or an element to an SVG (milliseconds); storing it is the
    bake job's work, started when the badge is issued, so a request never writes a file.
    """
    return _stored_baked_image(assertion) or _bake(assertion)


def assertion_bake(*, assertion_id: int) -> bool:
    """Store one assertion's baked image unless it is stored already (or revoked); True when stored now."""
    assertion = Assertion.objects.select_related("badge__organisation").filter(pk=assertion_id).first()
    if assertion is None or assertion.is_revoked or _stored_baked_image(assertion):
        return False
    data, kind = _bake(assertion)
    name = assertion.baked_image.storage.save(random_name("baked", f"image.{kind}"), ContentFile(data))
    # Two runs may bake at once; the first to record its file wins, the other tidies up.
    if not Assertion.objects.filter(pk=assertion.pk, baked_image=assertion.baked_image.name or "").update(
        baked_image=name
    ):
        assertion.baked_image.storage.delete(name)
        return False
    return True


def assertions_bake(*, run: JobRun, assertion_ids: list[int]) -> None:
    """The bake job's work: each assertion's image once; after a lost worker, what is stored is skipped."""
    run.total, run.done, run.counts, run.reasons = len(assertion_ids), 0, {}, {}
    for assertion_id in assertion_ids:
        if assertion_bake(assertion_id=assertion_id):
            run.count("baked")
        else:
            run.count("skipped", reason=_("Baked already, or revoked."))
        run.advance()


def bake_after_commit(assertions: list[Assertion], *, badge: BadgeClass, started_by) -> Job | None:
    """Start the job that bakes these assertions' images, after the surrounding transaction commits."""
    if not assertions:
        return None
    from badges.jobs import BAKE
    from badges.tasks import bake_images

    organisation = badge.organisation
    return job_start(
        kind=BAKE.name,
        task=bake_images,
        organisation=organisation,
        started_by=started_by,
        ref=badge,
        total=len(assertions),
        task_kwargs={"assertion_ids": [a.pk for a in assertions]},
        return_url=reverse("badges:badge_detail", kwargs={"org_slug": organisation.slug, "public_id": badge.public_id}),
    )
