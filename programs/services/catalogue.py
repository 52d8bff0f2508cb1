"""Programs, runs and the program learner admin role."""

from django.db import transaction
from django.utils.translation import gettext as _

from learnerpass.lib.filenames import code_problem
from organisations.models import Membership, Organisation
from programs.models import (
    Program,
    ProgramLearnerAdmin,
    ProgramRun,
)
from programs.services.common import ProgramsError


def _code_taken(siblings, code: str, exclude_pk: int | None) -> bool:
    """Codes are unique among siblings, compared case-insensitively (the database constraint uses Lower)."""
    return siblings.filter(code__iexact=code).exclude(pk=exclude_pk).exists()


def _check_program_code(*, organisation: Organisation, code: str, exclude_pk: int | None = None) -> str:
    code = code.strip()
    if not code:
        raise ProgramsError(_("Enter a code."))
    # Codes name the CSV exports and are typed in uploads: one pattern (learnerpass/lib/filenames.py).
    problem = code_problem(code)
    if problem:
        raise ProgramsError(problem)
    if _code_taken(Program.objects.filter(organisation=organisation), code, exclude_pk):
        raise ProgramsError(_("Another program of this organisation already has the code “%(code)s”.") % {"code": code})
    return code


@transaction.atomic
def program_create(*, organisation: Organisation, name: str, code: str, kind: str, description: str = "") -> Program:
    code = _check_program_code(organisation=organisation, code=code)
    return Program.objects.create(
        organisation=organisation, name=name.strip(), code=code, kind=kind, description=description
    )


@transaction.atomic
def program_update(*, program: Program, name: str, code: str, kind: str, description: str = "") -> Program:
    program.code = _check_program_code(organisation=program.organisation, code=code, exclude_pk=program.pk)
    program.name = name.strip()
    program.kind = kind
    program.description = description
    program.save(update_fields=["name", "code", "kind", "description"])
    return program


def _check_run(*, program: Program, code: str, starts_on, ends_on, exclude_pk: int | None = None) -> str:
    code = code.strip()
    if not code:
        raise ProgramsError(_("Enter a code."))
    problem = code_problem(code)
    if problem:
        raise ProgramsError(problem)
    if ends_on < starts_on:
        raise ProgramsError(_("A run cannot end before it starts."))
    if _code_taken(ProgramRun.objects.filter(program=program), code, exclude_pk):
        raise ProgramsError(_("Another run of this program already has the code “%(code)s”.") % {"code": code})
    return code


@transaction.atomic
def run_create(*, program: Program, code: str, name: str = "", starts_on, ends_on, is_open: bool = True) -> ProgramRun:
    code = _check_run(program=program, code=code, starts_on=starts_on, ends_on=ends_on)
    return ProgramRun.objects.create(
        program=program, code=code, name=name.strip(), starts_on=starts_on, ends_on=ends_on, is_open=is_open
    )


@transaction.atomic
def run_update(*, run: ProgramRun, code: str, name: str = "", starts_on, ends_on, is_open: bool) -> ProgramRun:
    run.code = _check_run(program=run.program, code=code, starts_on=starts_on, ends_on=ends_on, exclude_pk=run.pk)
    run.name = name.strip()
    run.starts_on, run.ends_on, run.is_open = starts_on, ends_on, is_open
    run.save(update_fields=["code", "name", "starts_on", "ends_on", "is_open"])
    return run


@transaction.atomic
def learner_admin_grant(*, program: Program, user, granted_by) -> ProgramLearnerAdmin:
    # Only members: someone outside the organisation must keep getting 404 on its pages.
    if not Membership.objects.filter(organisation_id=program.organisation_id, user=user).exists():
        raise ProgramsError(_("Only members of the organisation can manage a program."))
    role, created = ProgramLearnerAdmin.objects.get_or_create(
        program=program, user=user, defaults={"granted_by": granted_by}
    )
    if not created:
        raise ProgramsError(_("%(email)s already manages this program.") % {"email": user.email})
    return role


@transaction.atomic
def learner_admin_revoke(*, role: ProgramLearnerAdmin) -> None:
    role.delete()
