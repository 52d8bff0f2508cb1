"""What a certificate says: a frozen snapshot of the accepted data and the project, made when it is generated.

The PDF and the verification page show the snapshot, whatever happens to the individual's data later;
comparing it with a fresh one tells whether a certificate is still right.
"""

from django.utils import translation

from certificates import content
from certificates.models import Certificate, Individual


def certificate_snapshot(individual: Individual) -> dict:
    """What the certificate will say, from the accepted data and the project as they are now."""
    project = individual.project
    data = content.clean_data(individual.accepted_data)
    with translation.override(project.language):
        activity_type = str(project.get_activity_type_display())
        role = str(individual.get_role_display())
    return {
        # The accepted name, which is the individual's name (one value; see Individual.first_name).
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


def differs(stored, current) -> bool:
    """Whether what a certificate says (stored) differs from what it would say now (current).

    Keys a newer snapshot adds are not a difference: a certificate made before a key existed is not
    out of date for lacking it (Replace all renews those on purpose).
    """
    if isinstance(stored, dict) and isinstance(current, dict):
        return any(key in current and differs(value, current[key]) for key, value in stored.items())
    return stored != current


def certificate_is_current(certificate: Certificate, individual: Individual) -> bool:
    """A valid certificate that still says what the accepted data and the project say now."""
    return certificate.status == Certificate.Status.VALID and not differs(
        certificate.data, certificate_snapshot(individual)
    )
