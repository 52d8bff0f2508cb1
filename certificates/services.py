"""Every write of the certificates app: projects, individuals, links, the data's state machine, certificates."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from certificates import content
from certificates.models import AuditEntry, Certificate, Individual, IndividualInvitation, Project
from learnerpass.lib.actions import UserError
from learnerpass.lib.tabular import TableError, read_table
from learnerpass.lib.urls import absolute_url
from organisations.models import Membership, Organisation, Role
from outbox.services import build_email, email_queue, emails_queue

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(days=30)
MAX_IMPORT_ROWS = 2000
Status = Individual.Status


class CertificatesError(UserError):
    """A refused action; the message is shown to the user."""


def _audit(individual: Individual, actor, action: str, **detail) -> AuditEntry:
    return AuditEntry.objects.create(individual=individual, actor=actor, action=action, detail=detail)


def _lock(individual: Individual) -> Individual:
    return Individual.objects.select_for_update().select_related("project__organisation").get(pk=individual.pk)


def _require(individual: Individual, *allowed: str, message: str) -> None:
    if individual.status not in allowed:
        raise CertificatesError(message)


# Projects ---------------------------------------------------------------------------------------


def _check_dates(fields: dict) -> None:
    if fields["end_date"] < fields["start_date"]:
        raise CertificatesError(_("The project cannot end before it starts."))


@transaction.atomic
def project_create(*, organisation: Organisation, created_by, **fields) -> Project:
    _check_dates(fields)
    return Project.objects.create(organisation=organisation, created_by=created_by, **fields)


@transaction.atomic
def project_update(*, project: Project, **fields) -> Project:
    _check_dates(fields)
    for name, value in fields.items():
        setattr(project, name, value)
    project.save()
    return project


# Individuals ------------------------------------------------------------------------------------


def _initial_data(first_name: str, surname: str) -> dict:
    return content.clean_data({"first_name": first_name, "surname": surname})


@transaction.atomic
def individual_create(
    *, project: Project, first_name: str, surname: str, email: str, country: str, role: str, created_by
) -> Individual:
    email = email.strip().lower()
    if Individual.objects.filter(project=project, email__iexact=email).exists():
        raise CertificatesError(_("%(email)s is already in this project.") % {"email": email})
    try:
        with transaction.atomic():
            individual = Individual.objects.create(
                project=project,
                first_name=first_name.strip(),
                surname=surname.strip(),
                email=email,
                country=country,
                role=role,
                accepted_data=_initial_data(first_name, surname),
            )
    except IntegrityError:
        raise CertificatesError(_("%(email)s is already in this project.") % {"email": email}) from None
    _audit(individual, created_by, AuditEntry.Action.CREATED)
    return individual


def _country_code(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if len(value) == 2 and countries.alpha2(value.upper()):
        return value.upper()
    with translation.override("en"):
        return countries.by_name(value) or None


ROLE_WORDS = {
    "": Individual.Role.PARTICIPANT,
    "participant": Individual.Role.PARTICIPANT,
    "team_member": Individual.Role.TEAM_MEMBER,
    "team member": Individual.Role.TEAM_MEMBER,
}
IMPORT_COLUMNS = ["first_name", "surname", "email", "country", "role"]
REQUIRED_COLUMNS = ["first_name", "surname", "email", "country"]
IMPORT_EXAMPLE_ROWS = [
    ["Ana", "Costa", "ana.costa@example.org", "PT", "participant"],
    ["Jonas", "Berg", "jonas.berg@example.org", "Germany", "team_member"],
]


def individuals_validate(*, project: Project, upload) -> tuple[list[dict], list[dict]]:
    """Read and check every row; return (rows ready to import, errors by row and column)."""
    try:
        table = read_table(upload)
    except TableError as exc:
        return [], [{"row": None, "column": None, "message": str(exc)}]
    missing = table.missing(REQUIRED_COLUMNS)
    if missing:
        return [], [
            {"row": 1, "column": name, "message": _("The column “%(name)s” is missing.") % {"name": name}}
            for name in missing
        ]
    if len(table.rows) > MAX_IMPORT_ROWS:
        return [], [
            {"row": None, "column": None, "message": _("At most %(n)s rows at a time.") % {"n": MAX_IMPORT_ROWS}}
        ]
    if not table.rows:
        return [], [{"row": None, "column": None, "message": _("The file has no rows under its header.")}]
    existing = set(Individual.objects.filter(project=project).values_list("email", flat=True))
    seen: dict[str, int] = {}
    rows, errors = [], []
    for number, cells in table.rows:

        def error(column: str, message: str, number=number, cells=cells):
            errors.append({"row": number, "column": column, "value": cells.get(column, ""), "message": message})

        first_name, surname = cells.get("first_name", ""), cells.get("surname", "")
        if not first_name:
            error("first_name", _("A first name is required."))
        elif len(first_name) > 100:
            error("first_name", _("At most 100 characters."))
        if not surname:
            error("surname", _("A surname is required."))
        elif len(surname) > 100:
            error("surname", _("At most 100 characters."))
        email = cells.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            error("email", _("“%(value)s” is not a valid email address.") % {"value": email})
        else:
            if email in existing:
                error("email", _("%(email)s is already in this project.") % {"email": email})
            elif email in seen:
                error("email", _("%(email)s is also on row %(row)s.") % {"email": email, "row": seen[email]})
            seen.setdefault(email, number)
        country = _country_code(cells.get("country", ""))
        if not country:
            error(
                "country",
                _("“%(value)s” is not a country: use a two-letter ISO code or the English name.")
                % {"value": cells.get("country", "")},
            )
        role = ROLE_WORDS.get(cells.get("role", "").strip().lower().replace("-", "_"))
        if role is None:
            error("role", _("The role must be “participant” or “team_member”."))
        rows.append(
            {
                "first_name": first_name,
                "surname": surname,
                "email": email,
                "country": country,
                "role": role,
            }
        )
    return (rows if not errors else []), errors


@transaction.atomic
def individuals_import(*, project: Project, rows: list[dict], created_by) -> list[Individual]:
    """Create every row or none (the rows come from individuals_validate)."""
    emails = [row["email"] for row in rows]
    if Individual.objects.filter(project=project, email__in=emails).exists():
        raise CertificatesError(_("Some of these people were added meanwhile. Upload the file again."))
    try:
        with transaction.atomic():
            created = Individual.objects.bulk_create(
                [
                    Individual(project=project, **row, accepted_data=_initial_data(row["first_name"], row["surname"]))
                    for row in rows
                ]
            )
    except IntegrityError:
        # Someone added one of these people between the check and the insert.
        raise CertificatesError(_("Some of these people were added meanwhile. Upload the file again.")) from None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(individual=i, actor=created_by, action=AuditEntry.Action.CREATED, detail={"import": True})
            for i in created
        ]
    )
    return created


@transaction.atomic
def individual_update(*, individual: Individual, updated_by, details: dict, data: dict) -> Individual:
    """The organiser corrects an individual and their accepted data, while the learner does not hold it."""
    individual = _lock(individual)
    if individual.held_by_learner:
        raise CertificatesError(_("The learner is editing this data now; wait until they submit."))
    if individual.status == Status.SUBMITTED:
        raise CertificatesError(_("Review the submission first."))
    email = details["email"].strip().lower()
    if Individual.objects.filter(project=individual.project, email__iexact=email).exclude(pk=individual.pk).exists():
        raise CertificatesError(_("%(email)s is already in this project.") % {"email": email})
    before = content.clean_data(individual.accepted_data)
    after = content.clean_data(data)
    old_email = individual.email
    for name, value in details.items():
        setattr(individual, name, value.strip() if isinstance(value, str) else value)
    individual.email = email
    individual.accepted_data = after
    detail = {}
    if email != old_email.lower():
        # Links already emailed went to the old (perhaps mistyped) address: whoever holds them must not
        # connect to this person's certificate. Someone not connected yet needs a fresh connect invitation.
        IndividualInvitation.objects.filter(individual=individual, status=IndividualInvitation.Status.PENDING).update(
            status=IndividualInvitation.Status.CANCELED
        )
        if not individual.user_id:
            individual.connect_sent_at = None
        detail = {"email": email, "previous_email": old_email}
    individual.save()
    changed = [key for key in content.FIELD_KEYS if before[key] != after[key]]
    _audit(individual, updated_by, AuditEntry.Action.UPDATED, fields=changed, **detail)
    return individual


@transaction.atomic
def individual_delete(*, individual: Individual, deleted_by) -> Individual:
    """Remove someone added by mistake, while nobody has connected and nothing was written or certified.

    The links already emailed are deleted with the individual, so they stop working. Returns the
    deleted individual (without a pk), for the caller's message.
    """
    individual = _lock(individual)
    if individual.user_id:
        raise CertificatesError(_("An account is connected: disconnect it first, then delete."))
    if individual.status != Status.NOT_INVITED:
        raise CertificatesError(
            _("%(name)s was already invited to write; only someone nobody has written for can be deleted.")
            % {"name": individual.full_name}
        )
    if Certificate.objects.filter(individual=individual).exists():
        raise CertificatesError(
            _("A certificate was issued to %(name)s; revoke it instead.") % {"name": individual.full_name}
        )
    # The individual's audit trail goes with it, so the deletion itself is logged.
    log.info(
        "certificates: individual %s of project %s deleted by user %s",
        individual.pk,
        individual.project_id,
        getattr(deleted_by, "pk", None),
    )
    individual.delete()
    return individual


# Links ------------------------------------------------------------------------------------------


def _new_invitation(individual: Individual, kind: str, by, message: str = "") -> tuple[IndividualInvitation, str]:
    # A fresh link replaces any earlier one of the same kind.
    IndividualInvitation.objects.filter(
        individual=individual, kind=kind, status=IndividualInvitation.Status.PENDING
    ).update(status=IndividualInvitation.Status.CANCELED)
    invitation = IndividualInvitation(
        individual=individual,
        kind=kind,
        message=message,
        created_by=by,
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    raw = invitation.issue_token()
    invitation.save()
    return invitation, raw


def _email_context(individual: Individual) -> dict:
    project = individual.project
    return {
        "name": individual.first_name,
        "project": project.title,
        "organisation": project.organisation.name,
    }


@transaction.atomic
def individual_send_connect(*, individual: Individual, sent_by) -> IndividualInvitation:
    individual = _lock(individual)
    if individual.user_id:
        raise CertificatesError(_("%(name)s is already connected.") % {"name": individual.full_name})
    invitation, raw = _new_invitation(individual, IndividualInvitation.Kind.CONNECT, sent_by)
    individual.connect_sent_at = timezone.now()
    individual.save(update_fields=["connect_sent_at"])
    email_queue(
        to=individual.email,
        template="certificates/connect",
        context={
            **_email_context(individual),
            "url": absolute_url("certificates:connect", token=raw),
            "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        kind="certificates_connect",
        ref=individual,
        language=individual.project.language,
    )
    _audit(individual, sent_by, AuditEntry.Action.CONNECT_SENT, email=individual.email)
    return invitation


@transaction.atomic
def individual_invite_to_edit(*, individual: Individual, invited_by, message: str = "") -> IndividualInvitation:
    """Open the data for the learner (not_invited or accepted → editing) or send the link again."""
    individual = _lock(individual)
    if not individual.connect_sent_at and not individual.user_id:
        raise CertificatesError(_("Send the connect invitation first."))
    _require(
        individual,
        Status.NOT_INVITED,
        Status.EDITING,
        Status.CHANGES_REQUESTED,
        Status.ACCEPTED,
        message=_("The learner has submitted; review the submission first."),
    )
    invitation, raw = _new_invitation(individual, IndividualInvitation.Kind.EDIT, invited_by, message.strip())
    previous = individual.status
    if previous in (Status.NOT_INVITED, Status.ACCEPTED):
        individual.status = Status.EDITING
        individual.draft_data = content.clean_data(individual.accepted_data)
        individual.review_comments = {}
    individual.edit_message = message.strip()
    individual.edit_invited_at = timezone.now()
    individual.save(update_fields=["status", "draft_data", "review_comments", "edit_message", "edit_invited_at"])
    email_queue(
        to=individual.email,
        template="certificates/edit_invitation",
        context={
            **_email_context(individual),
            "message": individual.edit_message,
            "url": absolute_url("certificates:edit_link", token=raw),
            "expires_at": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        kind="certificates_edit",
        ref=individual,
        language=individual.project.language,
    )
    _audit(individual, invited_by, AuditEntry.Action.EDIT_INVITED, message=individual.edit_message, previous=previous)
    return invitation


def invitation_problem(invitation: IndividualInvitation | None, user=None) -> str | None:
    """Why a link cannot be used, or None when it can."""
    if invitation is None:
        return _("This link is not valid. Ask the organisers for a new one.")
    if invitation.status == IndividualInvitation.Status.USED:
        return _("This link has already been used. You find your certificate data under “My learning”.")
    if invitation.status == IndividualInvitation.Status.CANCELED:
        return _("This link was replaced by a newer one. Use the link in the latest email.")
    if invitation.is_expired:
        return _("This link has expired. Ask the organisers for a new one.")
    individual = invitation.individual
    if user is not None and individual.user_id and individual.user_id != user.pk:
        return _("This certificate is already connected to another account.")
    return None


def _connect(individual: Individual, user) -> None:
    if individual.user_id == user.pk:
        return
    if individual.user_id:
        raise CertificatesError(_("This certificate is already connected to another account."))
    if Individual.objects.filter(project_id=individual.project_id, user=user).exists():
        raise CertificatesError(_("Your account is already connected to someone else in this project."))
    individual.user = user
    individual.connected_at = timezone.now()
    individual.save(update_fields=["user", "connected_at"])
    _audit(individual, user, AuditEntry.Action.CONNECTED, email=user.email)


@transaction.atomic
def invitation_use(*, token: str, user) -> Individual:
    """Follow a connect or edit link: connect the account to the individual; single use."""
    invitation = IndividualInvitation.by_token(token).select_for_update().first()
    if invitation is not None:
        invitation.individual = _lock(invitation.individual)
    problem = invitation_problem(invitation, user)
    if problem:
        raise CertificatesError(problem)
    individual = invitation.individual
    _connect(individual, user)
    invitation.status = IndividualInvitation.Status.USED
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["status", "used_at", "used_by"])
    return individual


@transaction.atomic
def individual_disconnect(*, individual: Individual, disconnected_by) -> Individual:
    """Undo a connection made by the wrong account (a mistyped address, someone else's computer).

    What that account wrote and did not get accepted is dropped, pending links die and the individual
    goes back to the last accepted state, so the right person starts from a fresh connect invitation.
    """
    individual = _lock(individual)
    if not individual.user_id:
        raise CertificatesError(_("No account is connected."))
    account = individual.user.email
    IndividualInvitation.objects.filter(individual=individual, status=IndividualInvitation.Status.PENDING).update(
        status=IndividualInvitation.Status.CANCELED
    )
    previous = individual.status
    if individual.status != Status.ACCEPTED:
        individual.status = Status.ACCEPTED if individual.accepted_at else Status.NOT_INVITED
    individual.user = None
    individual.connected_at = individual.connect_sent_at = None
    individual.draft_data, individual.submitted_data, individual.review_comments = {}, {}, {}
    individual.save(
        update_fields=[
            "status",
            "user",
            "connected_at",
            "connect_sent_at",
            "draft_data",
            "submitted_data",
            "review_comments",
        ]
    )
    _audit(individual, disconnected_by, AuditEntry.Action.DISCONNECTED, email=account, previous=previous)
    return individual


# The learner's side of the state machine ---------------------------------------------------------


def _check_learner(individual: Individual, user) -> None:
    if individual.user_id != user.pk:
        raise CertificatesError(_("This certificate data belongs to someone else."))


@transaction.atomic
def individual_save_draft(*, individual: Individual, user, data: dict) -> Individual:
    """Keep the learner's draft; the first save after a request for changes moves back to editing."""
    individual = _lock(individual)
    _check_learner(individual, user)
    _require(
        individual,
        Status.EDITING,
        Status.CHANGES_REQUESTED,
        message=_("This data is not open for editing: it was submitted or the organisers hold it."),
    )
    if individual.status == Status.CHANGES_REQUESTED:
        individual.status = Status.EDITING
        _audit(individual, user, AuditEntry.Action.EDITING)
    individual.draft_data = content.clean_data(data)
    individual.draft_saved_at = timezone.now()
    individual.save(update_fields=["status", "draft_data", "draft_saved_at"])
    return individual


def _organiser_emails(organisation: Organisation) -> list[str]:
    return list(
        Membership.objects.filter(organisation=organisation, role__in=[Role.ORGANISER, Role.ADMIN])
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


@transaction.atomic
def individual_submit(*, individual: Individual, user, data: dict) -> Individual:
    """Save the final draft and hand it to the organisers (editing → submitted)."""
    individual = individual_save_draft(individual=individual, user=user, data=data)
    _require(individual, Status.EDITING, message=_("Only data being edited can be submitted."))
    individual.status = Status.SUBMITTED
    individual.submitted_data = content.clean_data(individual.draft_data)
    individual.submitted_at = timezone.now()
    individual.save(update_fields=["status", "submitted_data", "submitted_at"])
    _audit(individual, user, AuditEntry.Action.SUBMITTED)
    project = individual.project
    review_url = absolute_url(
        "certificates:review", org_slug=project.organisation.slug, pk=individual.pk
    )  # organisers' link: signed-in page behind the role check
    emails_queue(
        [
            build_email(
                to=address,
                template="certificates/submitted",
                context={
                    "learner": individual.full_name,
                    "project": project.title,
                    "organisation": project.organisation.name,
                    "url": review_url,
                },
                kind="certificates_submitted",
                ref=individual,
            )
            for address in _organiser_emails(project.organisation)
        ]
    )
    return individual


# The organiser's side ----------------------------------------------------------------------------


@transaction.atomic
def individual_accept(*, individual: Individual, accepted_by) -> Individual:
    individual = _lock(individual)
    _require(individual, Status.SUBMITTED, message=_("Only a submission can be accepted."))
    before, after = content.clean_data(individual.accepted_data), content.clean_data(individual.submitted_data)
    changed = [key for key in content.FIELD_KEYS if before[key] != after[key]]
    individual.status = Status.ACCEPTED
    individual.accepted_data = after
    individual.accepted_at = timezone.now()
    individual.review_comments = {}
    individual.save(update_fields=["status", "accepted_data", "accepted_at", "review_comments"])
    _audit(individual, accepted_by, AuditEntry.Action.ACCEPTED, fields=changed)
    email_queue(
        to=individual.email,
        template="certificates/accepted",
        context={**_email_context(individual), "url": absolute_url("me")},
        kind="certificates_accepted",
        ref=individual,
        language=individual.project.language,
    )
    return individual


@transaction.atomic
def individual_request_changes(
    *, individual: Individual, requested_by, comment: str, field_comments: dict[str, str]
) -> Individual:
    individual = _lock(individual)
    _require(individual, Status.SUBMITTED, message=_("Changes can only be requested on a submission."))
    field_comments = {k: v.strip() for k, v in field_comments.items() if k in content.FIELDS_BY_KEY and v.strip()}
    comment = comment.strip()
    if not comment and not field_comments:
        raise CertificatesError(_("Tell the learner what to change: write a comment."))
    individual.status = Status.CHANGES_REQUESTED
    individual.review_comments = {"general": comment, "fields": field_comments}
    # The learner continues from what they submitted.
    individual.draft_data = content.clean_data(individual.submitted_data)
    individual.save(update_fields=["status", "review_comments", "draft_data"])
    _audit(individual, requested_by, AuditEntry.Action.CHANGES_REQUESTED, comment=comment, fields=field_comments)
    email_queue(
        to=individual.email,
        template="certificates/changes_requested",
        context={
            **_email_context(individual),
            "comment": comment,
            "field_comments": [[str(content.FIELDS_BY_KEY[key].label), text] for key, text in field_comments.items()],
            "url": absolute_url("certificates:learner_edit", public_id=individual.public_id),
        },
        kind="certificates_changes_requested",
        ref=individual,
        language=individual.project.language,
    )
    return individual


# Certificates -------------------------------------------------------------------------------------


def certificate_snapshot(individual: Individual) -> dict:
    """What the certificate will say, from the accepted data and the project as they are now."""
    project = individual.project
    data = content.clean_data(individual.accepted_data)
    with translation.override(project.language):
        activity_type = str(project.get_activity_type_display())
        role = str(individual.get_role_display())
    return {
        "holder": f"{data['first_name'] or individual.first_name} {data['surname'] or individual.surname}".strip(),
        "fields": data,
        "parts": list(individual.parts),
        "role": role,
        "country": individual.country.code,
        "project": {
            "title": project.title,
            "activity_type": activity_type,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
            "venue": project.venue,
            "description": project.description,
            "language": project.language,
        },
        "organisation": project.organisation.name,
        "signatories": [
            s
            for s in [
                {"name": project.representative_name, "role": project.representative_role},
                {"name": project.mentor_name, "role": project.mentor_role},
            ]
            if s["name"]
        ],
    }


def _queue_render(ids: list[int]) -> None:
    from certificates.tasks import render_certificate

    transaction.on_commit(lambda: [render_certificate.delay(pk) for pk in ids])


def _generate(individual: Individual, generated_by) -> Certificate:
    _require(individual, Status.ACCEPTED, message=_("Only accepted data can be certified."))
    Certificate.objects.filter(individual=individual, status=Certificate.Status.VALID).update(
        status=Certificate.Status.SUPERSEDED
    )
    certificate = Certificate.objects.create(
        individual=individual, data=certificate_snapshot(individual), generated_by=generated_by
    )
    _audit(individual, generated_by, AuditEntry.Action.CERTIFICATE_GENERATED, code=certificate.code)
    return certificate


@transaction.atomic
def certificate_generate(*, individual: Individual, generated_by) -> Certificate:
    """Issue a new certificate (superseding the earlier one) and queue its PDF."""
    certificate = _generate(_lock(individual), generated_by)
    _queue_render([certificate.pk])
    return certificate


@transaction.atomic
def certificates_generate_for_project(*, project: Project, generated_by) -> list[Certificate]:
    individuals = list(
        Individual.objects.select_for_update()
        .filter(project=project, status=Status.ACCEPTED)
        .select_related("project__organisation")
    )
    if not individuals:
        raise CertificatesError(_("No individual of this project has accepted data yet."))
    certificates = [_generate(individual, generated_by) for individual in individuals]
    _queue_render([c.pk for c in certificates])
    return certificates


def certificate_render(*, certificate_id: int) -> bool:
    """Render and store one certificate's PDF; False when there was nothing to do (already rendered)."""
    from certificates.pdf import render_certificate_pdf

    certificate = (
        Certificate.objects.select_related("individual__project__organisation").filter(pk=certificate_id).first()
    )
    # A certificate superseded or revoked before its turn needs no PDF any more.
    if certificate is None or certificate.pdf or certificate.status != Certificate.Status.VALID:
        return False
    # Rendering takes a while; it happens outside the lock and the result is kept only if no
    # other worker stored one meanwhile.
    pdf = render_certificate_pdf(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        # Another worker stored one, or the certificate was superseded or revoked while this one rendered.
        if locked.pdf or locked.status != Certificate.Status.VALID:
            return False
        locked.pdf.save(certificate.filename, ContentFile(pdf), save=False)
        locked.rendered_at = timezone.now()
        locked.render_error = ""
        locked.save(update_fields=["pdf", "rendered_at", "render_error"])
    return True


def certificate_render_failed(*, certificate_id: int, error: str) -> None:
    Certificate.objects.filter(pk=certificate_id).update(render_error=error[:2000])


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().select_related("individual").get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificatesError(_("This certificate is already revoked."))
    reason = reason.strip()
    if not reason:
        raise CertificatesError(_("Give a reason: the verification page shows it."))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_reason = reason
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = revoked_by
    certificate.save(update_fields=["status", "revoked_reason", "revoked_at", "revoked_by"])
    _audit(
        certificate.individual, revoked_by, AuditEntry.Action.CERTIFICATE_REVOKED, code=certificate.code, reason=reason
    )
    return certificate
