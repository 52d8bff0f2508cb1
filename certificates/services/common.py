"""What every certificates service shares: the error, the audit entry, the row lock and the state check."""

from certificates.models import AuditEntry, Individual
from learnerpass.lib.actions import UserError

Status = Individual.Status


class CertificatesError(UserError):
    """A refused action; the message is shown to the user."""


def audit(individual: Individual, actor, action: str, **detail) -> AuditEntry:
    return AuditEntry.objects.create(individual=individual, actor=actor, action=action, detail=detail)


def lock_individual(individual: Individual) -> Individual:
    return Individual.objects.select_for_update().select_related("project__organisation").get(pk=individual.pk)


def require_status(individual: Individual, *allowed: str, message: str) -> None:
    if individual.status not in allowed:
        raise CertificatesError(message)
