"""Every write of the programs app, split by domain; import from here.

catalogue: programs, runs, roles · invitations: one learner's invitation and enrolments ·
imports: bulk CSV/XLSX invitations.
"""

from programs.services.catalogue import (
    learner_admin_grant,
    learner_admin_revoke,
    program_create,
    program_update,
    run_create,
    run_update,
)
from programs.services.common import DEFAULT_VALIDITY, ProgramsError
from programs.services.imports import (
    CSV_COLUMNS,
    batch_mark_failed,
    batch_reupload,
    batch_send,
    batch_send_job,
    batch_send_start,
    batch_upload,
    batch_validate_stored,
    batch_validate_table,
    template_example_row,
)
from programs.services.invitations import (
    enrolment_create_direct,
    enrolment_unenrol,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_problem,
    invitation_resend,
    invitations_cancel,
    invitations_expire,
)

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_VALIDITY",
    "ProgramsError",
    "batch_mark_failed",
    "batch_reupload",
    "batch_send",
    "batch_send_job",
    "batch_send_start",
    "batch_upload",
    "batch_validate_stored",
    "batch_validate_table",
    "enrolment_create_direct",
    "enrolment_unenrol",
    "invitation_accept",
    "invitation_cancel",
    "invitation_create",
    "invitation_problem",
    "invitation_resend",
    "invitations_cancel",
    "invitations_expire",
    "learner_admin_grant",
    "learner_admin_revoke",
    "program_create",
    "program_update",
    "run_create",
    "run_update",
    "template_example_row",
]
