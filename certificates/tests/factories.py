"""Small builders for the certificates tests."""

from datetime import date

from certificates import content, services
from certificates.models import ActivityType, Individual, Project

SELF_ASSESSMENT = "I learned to facilitate a group discussion in English with people from five countries."


def make_project(org, **extra) -> Project:
    fields = {
        "title": "Bridges Youth Exchange",
        "activity_type": ActivityType.VOLUNTEERING,
        "start_date": date(2026, 5, 1),
        "end_date": date(2026, 5, 10),
        "venue": "Ljubljana",
        "description": "Ten days on bridges between cultures.",
        "language": "en",
        "representative_name": "Ada Lovelace",
        "representative_role": "President",
        **extra,
    }
    return Project.objects.create(organisation=org, **fields)


def make_individual(project, email="learner@example.test", **extra) -> Individual:
    fields = {"first_name": "Lea", "surname": "Martin", "country": "FR", "role": Individual.Role.PARTICIPANT, **extra}
    return Individual.objects.create(
        project=project,
        email=email,
        accepted_data=content.clean_data({"first_name": fields["first_name"], "surname": fields["surname"]}),
        **fields,
    )


def full_data(**extra) -> dict:
    return content.clean_data(
        {
            "first_name": "Lea",
            "surname": "Martin",
            "birth_date": "2004-02-03",
            "birth_place": "Lyon",
            "tasks": "Ran the repair café\nWrote the blog",
            "training_activities": "Workshop on facilitation",
            "competence_personal": SELF_ASSESSMENT,
            "evidence_1_title": "My blog",
            "evidence_1_url": "https://example.test/blog",
            **extra,
        }
    )


def editing(individual, user, organiser, message="") -> Individual:
    """Connect the learner and open the data for editing, as the organiser's two emails would."""
    services.individual_send_connect(individual=individual, sent_by=organiser)
    individual.refresh_from_db()
    individual.user = user
    individual.save(update_fields=["user"])
    services.individual_invite_to_edit(individual=individual, invited_by=organiser, message=message)
    individual.refresh_from_db()
    return individual


def submitted(individual, user, organiser, data=None) -> Individual:
    individual = editing(individual, user, organiser)
    # The learner keeps their own name unless the test says otherwise.
    data = data or full_data(first_name=individual.first_name, surname=individual.surname)
    return services.individual_submit(individual=individual, user=user, data=data)


def accepted(individual, user, organiser, data=None) -> Individual:
    individual = submitted(individual, user, organiser, data)
    return services.individual_accept(individual=individual, accepted_by=organiser)
