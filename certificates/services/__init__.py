"""Every write of the certificates app; callers use `from certificates import services` and these names."""

from certificates.services.bulk import individuals_bulk_start
from certificates.services.certificates import (
    certificate_credential_json,
    certificate_generate,
    certificate_render,
    certificate_render_failed,
    certificate_revoke,
    certificates_generate_for_project,
    certificates_render_job,
    certificates_replace_for_project,
    certificates_zip_job,
    certificates_zip_start,
)
from certificates.services.common import (
    CertificatesError,
    Status,
)
from certificates.services.copies import certificate_copy_render, certificate_copy_request
from certificates.services.deadlines import individual_remind, reminders_send_due
from certificates.services.links import (
    LINK_LIFETIME,
    individual_disconnect,
    individual_invite_to_edit,
    individual_send_connect,
    invitation_problem,
    invitation_use,
)
from certificates.services.projects import (
    IMPORT_COLUMNS,
    IMPORT_EXAMPLE_ROWS,
    MAX_IMPORT_ROWS,
    REQUIRED_COLUMNS,
    ROLE_WORDS,
    individual_create,
    individual_delete,
    individual_update,
    individuals_import,
    individuals_validate,
    project_create,
    project_update,
)
from certificates.services.review import (
    individual_accept,
    individual_request_changes,
    individual_save_draft,
    individual_submit,
)

__all__ = [
    "CertificatesError",
    "IMPORT_COLUMNS",
    "IMPORT_EXAMPLE_ROWS",
    "LINK_LIFETIME",
    "MAX_IMPORT_ROWS",
    "REQUIRED_COLUMNS",
    "ROLE_WORDS",
    "Status",
    "certificate_copy_render",
    "certificate_copy_request",
    "certificate_credential_json",
    "certificate_generate",
    "certificate_render",
    "certificate_render_failed",
    "certificate_revoke",
    "certificates_generate_for_project",
    "certificates_render_job",
    "certificates_replace_for_project",
    "certificates_zip_job",
    "certificates_zip_start",
    "individual_accept",
    "individual_create",
    "individual_delete",
    "individual_disconnect",
    "individual_invite_to_edit",
    "individual_remind",
    "individual_request_changes",
    "individual_save_draft",
    "individual_send_connect",
    "individual_submit",
    "individual_update",
    "individuals_bulk_start",
    "individuals_import",
    "individuals_validate",
    "invitation_problem",
    "invitation_use",
    "project_create",
    "project_update",
    "reminders_send_due",
]
