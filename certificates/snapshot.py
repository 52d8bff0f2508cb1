"""What a certificate says: a frozen snapshot of the accepted data and the project, made when it is generated.

The PDF and the verification page show the snapshot, whatever happens to the individual's data later;
comparing it with a fresh one tells whether a certificate is still right.
"""

from django.conf import settings
from django.utils import translation
from django_countries import countries

from certificates import content
from certificates.models import ActivityType, Certificate, Individual, Programme, Project


class ProjectSnapshot:
    """What every certificate of one project says alike, worked out once: the project, its partners, the
    organisation, the signatories and the words said in the project's language. A project page compares
    each accepted individual's certificate with what it would say now; through Django's get_*_display,
    translating these words again for every individual cost more than all the rest of the comparison.
    `partners`: the project's, when the caller has read them (else its prefetched or fetched list)."""

    def __init__(self, project: Project, partners: list | None = None):
        with translation.override(project.language):
            activity_type = str(project.get_activity_type_display())
            programme = project.programme_label
            self.roles = {value: str(label) for value, label in Individual.Role.choices}
        self.project = project
        self.shared = {
            "project": {
                "title": project.title,
                "activity_type": activity_type,
                "activity_type_key": project.activity_type,
                "programme": programme,
                "programme_key": project.programme,
                "grant_number": project.grant_number,
                "start_date": project.start_date.isoformat(),
                "end_date": project.end_date.isoformat(),
                "venue": project.venue,
                "description": project.description,
                "language": project.language,
            },
            # Partners read through the project's prefetched list when there is one (a project's generation).
            "partners": [
                {"name": p.name, "country": p.country.code}
                for p in (project.partners.all() if partners is None else partners)
            ],
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

    def of(self, individual: Individual) -> dict:
        """What `individual`'s certificate will say, from their accepted data and the project as they are now."""
        data = content.clean_data(individual.accepted_data)
        shared = self.shared
        return {
            # The accepted name, which is the individual's name (one value; see Individual.first_name).
            "holder": f"{data['first_name'] or individual.first_name} {data['surname'] or individual.surname}".strip(),
            "fields": data,
            "parts": list(self.project.parts_for(individual.role)),
            # Words the certificate translates are kept as their key too, so a copy in another language can say
            # them in its own language; the words themselves are in the project's language.
            "role": self.roles.get(individual.role, individual.role),
            "role_key": individual.role,
            "country": individual.country.code,
            # Copies, so that no two certificates' data share a list or a dict.
            "project": dict(shared["project"]),
            "partners": [dict(partner) for partner in shared["partners"]],
            "organisation": shared["organisation"],
            "signatories": [dict(signatory) for signatory in shared["signatories"]],
        }

    def is_current(self, certificate: Certificate, individual: Individual) -> bool:
        """A valid certificate that still says what the accepted data and the project say now."""
        return certificate.status == Certificate.Status.VALID and self.still_says(certificate.data, individual)

    def still_says(self, data: dict, individual: Individual) -> bool:
        """Whether a certificate's data (a valid one's) says what `individual`'s certificate would say now."""
        return not differs(data, self.of(individual))


def certificate_snapshot(individual: Individual, partners: list | None = None) -> dict:
    """What the certificate will say, from the accepted data and the project as they are now (`partners`:
    the project's, when the caller has read them)."""
    return ProjectSnapshot(individual.project, partners).of(individual)


def differs(stored, current) -> bool:
    """Whether what a certificate says (stored) differs from what it would say now (current).

    Keys a newer snapshot adds are not a difference: a certificate made before a key existed is not
    out of date for lacking it (Replace all renews those on purpose).
    """
    if isinstance(stored, dict) and isinstance(current, dict):
        return any(key in current and differs(value, current[key]) for key, value in stored.items())
    return stored != current


def certificate_is_current(certificate: Certificate, individual: Individual, partners: list | None = None) -> bool:
    """A valid certificate that still says what the accepted data and the project say now."""
    return ProjectSnapshot(individual.project, partners).is_current(certificate, individual)


def _said_in(stored: str, key: str, choices, language: str, project_language: str) -> str:
    """A word the snapshot keeps in the project's language, said in `language`: from its key when read in
    another language, else as stored (also for certificates made before keys were kept)."""
    if language == project_language or not key:
        return stored
    try:
        return str(choices(key).label)
    except ValueError:
        return stored


def snapshot_words(data: dict, language: str) -> dict:
    """The snapshot's translatable words in `language` (call inside translation.override(language)): activity
    type, role, programme and the partners' countries. Everything else is the holder's or the organiser's text."""
    project = data.get("project", {})
    project_language = project.get("language") or settings.LANGUAGE_CODE
    programme = project.get("programme", "")
    if project.get("programme_key") in (Programme.ERASMUS_YOUTH, Programme.SOLIDARITY_CORPS):
        programme = _said_in(programme, project["programme_key"], Programme, language, project_language)
    return {
        "activity_type": _said_in(
            project.get("activity_type", ""),
            project.get("activity_type_key", ""),
            ActivityType,
            language,
            project_language,
        ),
        "role": _said_in(data.get("role", ""), data.get("role_key", ""), Individual.Role, language, project_language),
        "programme": programme,
        "partners": [
            {"name": p.get("name", ""), "country_name": countries.name(p.get("country", ""))}
            for p in data.get("partners", [])
        ],
    }
