"""Who may manage which program: the one place views ask.

Learning managers (and admins) manage every program of their organisation; a program
learner admin manages only the programs they hold that role on. Non-members get 404
(through organisations.access), members without either role 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from learnerpass.lib.prepared import one_or_404, prepared
from organisations.access import enter_organisation
from organisations.models import Role
from programs.models import ImportBatch, Invitation, Program, ProgramLearnerAdmin, ProgramRun


def manages_all_programs(membership) -> bool:
    return membership.has_role(Role.LEARNING_MANAGER)


def manageable_program_ids(membership) -> set[int] | None:
    """None means every program of the organisation."""
    if manages_all_programs(membership):
        return None
    return set(
        ProgramLearnerAdmin.objects.filter(
            user_id=membership.user_id, program__organisation_id=membership.organisation_id
        ).values_list("program_id", flat=True)
    )


def program_manager_required(view):
    """For organisation-wide program pages: any member who manages at least one program.

    Sets request.org, request.membership and request.program_ids (None = all).
    """

    @wraps(view)
    @login_required
    def wrapper(request, org_slug, *args, **kwargs):
        program_ids = manageable_program_ids(enter_organisation(request, org_slug))
        if program_ids is not None and not program_ids:
            raise PermissionDenied("You manage no program in this organisation.")
        request.program_ids = program_ids
        return view(request, *args, **kwargs)

    return wrapper


def can_manage(request, program: Program) -> bool:
    return request.program_ids is None or program.pk in request.program_ids


def get_program_for_manager(request, program_id: int) -> Program:
    """A program of request.org the user manages: 404 if not in the organisation, 403 if not theirs."""
    program = one_or_404(_org_program(program_id, request.org.pk), "program")
    if not can_manage(request, program):
        raise PermissionDenied("You do not manage this program.")
    return program


# Every program and run page asks for these two: prepared (their SQL built once per process).
@prepared
def _org_program(program_id, organisation_id):
    return Program.objects.filter(pk=program_id, organisation_id=organisation_id)


@prepared
def _org_run(run_id, program_id, organisation_id):
    return ProgramRun.objects.select_related("program").filter(
        pk=run_id, program_id=program_id, program__organisation_id=organisation_id
    )


def get_program_for_admin(request, program_id: int) -> Program:
    """For views already limited to organisation admins (granting the per-program role)."""
    return get_object_or_404(Program, pk=program_id, organisation=request.org)


def get_run_for_manager(request, program_id: int, run_id: int) -> ProgramRun:
    """A run with its program, in one query; the same 404 and 403 as get_program_for_manager then the run."""
    found = _org_run(run_id, program_id, request.org.pk)
    run = found[0] if found else None
    if run is None:
        get_program_for_manager(request, program_id)  # 404 or 403 about the program first, as before
        raise Http404("No such run in this program.")
    if not can_manage(request, run.program):
        raise PermissionDenied("You do not manage this program.")
    return run


def get_invitation_for_manager(request, program_id: int, invitation_id: int) -> Invitation:
    program = get_program_for_manager(request, program_id)
    invitation = get_object_or_404(
        Invitation.objects.select_related("created_by", "resent_by", "canceled_by", "accepted_by"),
        pk=invitation_id,
        program=program,
    )
    invitation.program = program
    return invitation


def get_batch_for_member(request, batch_id: int) -> ImportBatch:
    """Learning managers see every upload of the organisation; program learner admins their own."""
    batch = get_object_or_404(ImportBatch, pk=batch_id, organisation=request.org)
    if request.program_ids is not None and batch.uploaded_by_id != request.user.pk:
        raise PermissionDenied("This upload is not yours.")
    return batch
