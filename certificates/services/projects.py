"""Projects and their individuals: create, update, import from a table, delete."""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from certificates import content
from certificates.models import (
    AuditEntry,
    Certificate,
    Individual,
    IndividualInvitation,
    Programme,
    Project,
    ProjectPartner,
)
from certificates.services.common import CertificatesError, Status, audit, lock_individual
from learnerpass.lib.filenames import has_control_characters
from learnerpass.lib.tabular import TableError, read_table
from organisations.models import Organisation

log = logging.getLogger(__name__)
MAX_IMPORT_ROWS = 2000


def _check_dates(fields: dict, project: Project | None = None) -> None:
    start = fields.get("start_date", getattr(project, "start_date", None))
    end = fields.get("end_date", getattr(project, "end_date", None))
    if start and end and end < start:
        raise CertificatesError(_("The project cannot end before it starts."))


def _check_programme(project: Project) -> None:
    if project.programme == Programme.OTHER and not project.programme_name.strip():
        raise CertificatesError(_("Name the programme, as the certificate should print it."))
    if project.programme != Programme.OTHER:
        project.programme_name = ""


def _set_partners(project: Project, partners: list[dict] | None) -> None:
    """Replace the project's partners by these rows ({"name", "country"}, in order); None keeps them."""
    if partners is None:
        return
    project.partners.all().delete()
    ProjectPartner.objects.bulk_create(
        [
            ProjectPartner(project=project, name=row["name"].strip(), country=row["country"], position=position)
            for position, row in enumerate(partners)
            if row["name"].strip()
        ]
    )


@transaction.atomic
def project_create(*, organisation: Organisation, created_by, partners: list[dict] | None = None, **fields) -> Project:
    _check_dates(fields)
    project = Project(organisation=organisation, created_by=created_by, **fields)
    _check_programme(project)
    project.save()
    _set_partners(project, partners)
    return project


@transaction.atomic
def project_update(*, project: Project, partners: list[dict] | None = None, **fields) -> Project:
    """Change the project; its certificates say the old values until they are generated again."""
    _check_dates(fields, project)
    for name, value in fields.items():
        setattr(project, name, value)
    _check_programme(project)
    project.save()
    _set_partners(project, partners)
    return project


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
    audit(individual, created_by, AuditEntry.Action.CREATED)
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


EMAIL_MAX_LENGTH = Individual._meta.get_field("email").max_length
IMPORT_COLUMNS = ["first_name", "surname", "email", "country", "role"]


REQUIRED_COLUMNS = ["first_name", "surname", "email", "country"]


IMPORT_EXAMPLE_ROWS = [
    ["Ana", "Costa", "ana.costa@example.org", "PT", "participant"],
    ["Jonas", "Berg", "jonas.berg@example.org", "Germany", "team_member"],
]


def individuals_validate(*, project: Project, upload) -> tuple[list[dict], list[dict]]:
    """Read and check every row; return (rows ready to import, errors by row and column)."""
    try:
        # Reading stops just past the limit: a huge file costs no more than a file at the limit.
        table = read_table(upload, max_rows=MAX_IMPORT_ROWS + 1)
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
        elif has_control_characters(first_name):
            error("first_name", _("Remove the line breaks, tabs and other control characters."))
        if not surname:
            error("surname", _("A surname is required."))
        elif len(surname) > 100:
            error("surname", _("At most 100 characters."))
        elif has_control_characters(surname):
            error("surname", _("Remove the line breaks, tabs and other control characters."))
        email = cells.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            error("email", _("“%(value)s” is not a valid email address.") % {"value": email})
        else:
            if len(email) > EMAIL_MAX_LENGTH:
                # Django's validator takes up to 320 characters; the column holds the single form's 254.
                error("email", _("At most %(n)s characters.") % {"n": EMAIL_MAX_LENGTH})
            elif email in existing:
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
    """The organiser corrects an individual and their accepted data, while the learner does not hold it.

    The name comes from `details` only: it is the individual's name and the accepted data's at once.
    """
    individual = lock_individual(individual)
    if individual.held_by_learner:
        raise CertificatesError(_("The learner is editing this data now; wait until they submit."))
    if individual.status == Status.SUBMITTED:
        raise CertificatesError(_("Review the submission first."))
    email = details["email"].strip().lower()
    if Individual.objects.filter(project=individual.project, email__iexact=email).exclude(pk=individual.pk).exists():
        raise CertificatesError(_("%(email)s is already in this project.") % {"email": email})
    before = content.clean_data(individual.accepted_data)
    old_email = individual.email
    for name, value in details.items():
        setattr(individual, name, value.strip() if isinstance(value, str) else value)
    after = content.clean_data({**data, "first_name": individual.first_name, "surname": individual.surname})
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
    audit(individual, updated_by, AuditEntry.Action.UPDATED, fields=changed, **detail)
    return individual


@transaction.atomic
def individual_delete(*, individual: Individual, deleted_by) -> Individual:
    """Remove someone added by mistake, while nobody has connected and nothing was written or certified.

    The links already emailed are deleted with the individual, so they stop working. Returns the
    deleted individual (without a pk), for the caller's message.
    """
    individual = lock_individual(individual)
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
