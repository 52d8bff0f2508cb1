"""The emails of the certificates app that tell a learner about their certificate (one function each).

Each is an outbox row written in the caller's transaction, in the project's language.
"""

from certificates.models import Certificate, Individual
from learnerpass.lib.urls import absolute_url
from outbox.services import email_queue


def learner_context(individual: Individual) -> dict:
    project = individual.project
    return {
        "name": individual.first_name,
        "project": project.title,
        "organisation": project.organisation.name,
    }


def certificate_ready_email(certificate: Certificate) -> None:
    """The PDF is stored: the learner gets the download link (when an account is connected) and the
    verification link."""
    individual = certificate.individual
    email_queue(
        to=individual.email,
        template="certificates/certificate_ready",
        context={
            **learner_context(individual),
            "code": certificate.code,
            "verify_url": certificate.verify_url,
            # The download needs the connected account; without one the verification page is what they have.
            "url": absolute_url("certificates:learner_download", code=certificate.code) if individual.user_id else "",
        },
        kind="certificates_ready",
        ref=individual,
        language=individual.project.language,
    )


def certificate_revoked_email(certificate: Certificate) -> None:
    individual = certificate.individual
    email_queue(
        to=individual.email,
        template="certificates/certificate_revoked",
        context={
            **learner_context(individual),
            "code": certificate.code,
            "reason": certificate.revoked_reason,
            "verify_url": certificate.verify_url,
            "url": certificate.verify_url,
        },
        kind="certificates_revoked",
        ref=individual,
        language=individual.project.language,
    )
