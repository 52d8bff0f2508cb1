"""Demo project with an individual in every state and one generated certificate; safe to run again."""

from datetime import date, timedelta

from django.utils import timezone

from certificates import content
from certificates.models import ActivityType, AuditEntry, Certificate, Individual, Programme, Project, ProjectPartner
from certificates.services import (
    certificate_copy_render,
    certificate_copy_request,
    certificate_render,
    certificate_revoke,
)
from certificates.services.certificates import _generate
from certificates.snapshot import certificate_snapshot
from organisations.demo import demo_user

SELF_ASSESSMENT = {
    "competence_multilingual": "I spoke English every day with participants from six countries and learned basic "
    "Portuguese phrases to welcome our guests.",
    "competence_personal": "I learned to ask for feedback and to plan my week, and that I learn best by doing.",
    "competence_citizenship": "Running the neighbourhood clean-up showed me how to bring local people together.",
    "competence_digital": "I edited short videos and wrote posts for our project's social media.",
}


def _data(first_name: str, surname: str, **extra) -> dict:
    return content.clean_data(
        {
            "first_name": first_name,
            "surname": surname,
            "birth_date": "2003-04-12",
            "birth_place": "Porto",
            "tasks": "Welcoming newcomers\nRunning the weekly repair café\nWriting the project blog",
            **SELF_ASSESSMENT,
            "evidence_1_title": "Project blog",
            "evidence_1_url": "https://demo.learnerpass.test/blog",
            "reference_1_name": "Ana Costa",
            "reference_1_role": "Mentor",
            "reference_1_contact": "ana@demo.learnerpass.test",
            **extra,
        }
    )


# The steps that led to each state, written to the timeline as the services would have.
HISTORY = {
    Individual.Status.NOT_INVITED: [],
    Individual.Status.EDITING: ["connect_sent", "connected", "edit_invited"],
    Individual.Status.SUBMITTED: ["connect_sent", "connected", "edit_invited", "submitted"],
    Individual.Status.CHANGES_REQUESTED: [
        "connect_sent",
        "connected",
        "edit_invited",
        "submitted",
        "changes_requested",
    ],
    Individual.Status.ACCEPTED: ["connect_sent", "connected", "edit_invited", "submitted", "accepted"],
}
LEARNER_STEPS = {"connected", "submitted"}


def _history(individual: Individual, organiser, comments: dict) -> None:
    for action in HISTORY[individual.status]:
        detail = {}
        if action == "edit_invited":
            detail = {"message": individual.edit_message}
        elif action == "changes_requested":
            detail = {"comment": comments.get("general", ""), "fields": comments.get("fields", {})}
        actor = individual.user if action in LEARNER_STEPS else organiser
        AuditEntry.objects.create(individual=individual, actor=actor, action=action, detail=detail)


def build(context: dict) -> dict:
    org = context["org"]
    organiser = context.get("organiser")
    project, _ = Project.objects.get_or_create(
        organisation=org,
        title="Green Neighbours volunteering",
        defaults={
            "programme": Programme.SOLIDARITY_CORPS,
            "grant_number": "2026-1-PT02-ESC30-000421",
            "activity_type": ActivityType.VOLUNTEERING,
            "start_date": date(2026, 3, 1),
            "end_date": date(2026, 8, 31),
            "venue": "Porto, Portugal",
            "description": "Six months of volunteering in a neighbourhood sustainability centre.",
            "language": "en",
            "representative_name": "Maria Silva",
            "representative_role": "Director",
            "mentor_name": "Ana Costa",
            "mentor_role": "Mentor",
            "created_by": organiser,
        },
    )
    _partners(project, [("Associação Vizinhos Verdes", "PT"), ("Jugendwerk Nord", "DE")])
    now = timezone.now()
    learner, learner2 = context.get("learner"), context.get("learner2")
    people = [
        # (email, first, surname, status, user, country)
        ("sam@demo.learnerpass.test", "Sam", "Okafor", Individual.Status.NOT_INVITED, None, "NG"),
        (
            learner.email if learner else "learner@demo.learnerpass.test",
            "Lea",
            "Martin",
            Individual.Status.EDITING,
            learner,
            "FR",
        ),
        # Submitting and reading the organisers' comments take an account, so these two have one.
        (
            "jonas@demo.learnerpass.test",
            "Jonas",
            "Berg",
            Individual.Status.SUBMITTED,
            demo_user("jonas@demo.learnerpass.test"),
            "DE",
        ),
        (
            "mila@demo.learnerpass.test",
            "Mila",
            "Novak",
            Individual.Status.CHANGES_REQUESTED,
            demo_user("mila@demo.learnerpass.test"),
            "HR",
        ),
        (
            learner2.email if learner2 else "learner2@demo.learnerpass.test",
            "Tom",
            "Evans",
            Individual.Status.ACCEPTED,
            learner2,
            "IE",
        ),
    ]
    individuals = {}
    for email, first, surname, status, user, country in people:
        accepted = (
            _data(first, surname)
            if status == Individual.Status.ACCEPTED
            else content.clean_data({"first_name": first, "surname": surname})
        )
        submitted = _data(first, surname) if status != Individual.Status.NOT_INVITED else {}
        individual, created = Individual.objects.get_or_create(
            project=project,
            email=email,
            defaults={
                "first_name": first,
                "surname": surname,
                "country": country,
                "status": status,
                "user": user,
                "connected_at": now if user else None,
                "connect_sent_at": now if status != Individual.Status.NOT_INVITED else None,
                "edit_invited_at": now if status != Individual.Status.NOT_INVITED else None,
                "edit_message": "Please write your part before the end of September. Ask Ana if you are stuck.",
                "draft_data": _data(first, surname, competence_other="Still writing…")
                if status != Individual.Status.NOT_INVITED
                else {},
                "submitted_data": submitted if status != Individual.Status.EDITING else {},
                "accepted_data": accepted,
                "review_comments": {
                    "general": "Nice work! Please add one sentence on what you learned about teamwork.",
                    "fields": {"competence_personal": "Could you give an example?"},
                }
                if status == Individual.Status.CHANGES_REQUESTED
                else {},
                "submitted_at": now if status in (Individual.Status.SUBMITTED, Individual.Status.ACCEPTED) else None,
                "accepted_at": now if status == Individual.Status.ACCEPTED else None,
            },
        )
        if created:
            AuditEntry.objects.create(individual=individual, actor=organiser, action=AuditEntry.Action.CREATED)
            _history(individual, organiser, individual.review_comments)
        elif user and individual.user_id is None:
            # Demo databases made before these people had accounts get them connected now.
            Individual.objects.filter(pk=individual.pk).update(user=user, connected_at=now)
        individuals[status] = individual
    # Lea writes against a deadline two weeks away (set once, so running the demo again keeps it).
    Individual.objects.filter(pk=individuals[Individual.Status.EDITING].pk, edit_deadline__isnull=True).update(
        edit_deadline=now.date() + timedelta(days=14)
    )
    accepted = individuals[Individual.Status.ACCEPTED]
    certificate = Certificate.objects.filter(individual=accepted).first()
    if certificate is None:
        certificate = Certificate.objects.create(
            individual=accepted, data=certificate_snapshot(accepted), generated_by=organiser
        )
        AuditEntry.objects.create(
            individual=accepted,
            actor=organiser,
            action=AuditEntry.Action.CERTIFICATE_GENERATED,
            detail={"code": certificate.code},
        )
    if not certificate.pdf:
        certificate_render(certificate_id=certificate.pk)
    _exchange(org, organiser, learner2)
    return {"certificates_project": project}


def _partners(project: Project, partners: list[tuple[str, str]]) -> None:
    if not project.partners.exists():
        ProjectPartner.objects.bulk_create(
            [
                ProjectPartner(project=project, name=name, country=country, position=n)
                for n, (name, country) in enumerate(partners)
            ]
        )


def _exchange(org, organiser, learner2) -> None:
    """A German youth exchange: Tom's certificate in German (and in Ukrainian), and an earlier one revoked."""
    if learner2 is None:
        return
    project, created = Project.objects.get_or_create(
        organisation=org,
        title="Brücken bauen",
        defaults={
            "programme": Programme.ERASMUS_YOUTH,
            "grant_number": "2026-1-DE04-KA152-YOU-000777",
            "activity_type": ActivityType.YOUTH_EXCHANGE,
            "start_date": date(2026, 7, 1),
            "end_date": date(2026, 7, 10),
            "venue": "Hamburg, Deutschland",
            "description": "Zehn Tage Jugendaustausch über Brücken zwischen Kulturen.",
            "language": "de",
            "representative_name": "Jana Krüger",
            "representative_role": "Geschäftsführerin",
            "created_by": organiser,
        },
    )
    _partners(project, [("Молодіжний центр Львів", "UA"), ("Fundacja Most", "PL")])
    if not created:
        return
    data = _data(
        "Tom",
        "Evans",
        training_activities="Workshops über Mediation\nStadtrallye zur Geschichte Hamburgs",
        competence_multilingual="Ich habe jeden Tag Deutsch und Englisch gesprochen und ein paar Sätze Polnisch gelernt.",
    )
    individual = Individual.objects.create(
        project=project,
        email=learner2.email,
        first_name="Tom",
        surname="Evans",
        country="IE",
        user=learner2,
        status=Individual.Status.ACCEPTED,
        connect_sent_at=timezone.now(),
        connected_at=timezone.now(),
        submitted_data=data,
        accepted_data=data,
        submitted_at=timezone.now(),
        accepted_at=timezone.now(),
    )
    for action in ["created", *HISTORY[Individual.Status.ACCEPTED]]:
        AuditEntry.objects.create(
            individual=individual, actor=learner2 if action in LEARNER_STEPS else organiser, action=action
        )
    first = _generate(individual, organiser)
    certificate_revoke(
        certificate=first, revoked_by=organiser, reason="Mit falschen Daten ausgestellt; neu ausgestellt."
    )
    current = _generate(individual, organiser)
    certificate_render(certificate_id=current.pk)
    copy = certificate_copy_request(certificate=current, language="uk")
    certificate_copy_render(copy_id=copy.pk)
