"""A deadline on the invitation to edit: shown to the learner and in the email, a reminder before it, Remind."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from certificates import services
from certificates.models import AuditEntry, Individual
from certificates.tasks import send_deadline_reminders
from certificates.tests.factories import editing, make_individual, make_project, submitted
from outbox.models import Email
from outbox.services import render_email

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


def in_days(n: int) -> date:
    return timezone.now().date() + timedelta(days=n)


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def individual(project, organiser):
    individual = make_individual(project)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    individual.refresh_from_db()
    return individual


def test_the_deadline_goes_into_the_invitation_email_and_onto_the_learners_page(
    login, org, organiser, learner, individual
):
    deadline = in_days(14)
    response = login(organiser).post(
        url("individual_invite", org, pk=individual.pk), {"message": "", "deadline": deadline.isoformat()}
    )
    assert response.status_code == 302
    individual.refresh_from_db()
    assert individual.edit_deadline == deadline
    _, text, html = render_email(Email.objects.get(kind="certificates_edit"))
    written = date_format(deadline, "DATE_FORMAT")
    assert written in text and written in html
    individual.user = learner
    individual.save(update_fields=["user"])
    page = login(learner).get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    assert f"Please submit by {written}" in page.content.decode()
    me = login(learner).get(reverse("me")).content.decode()
    assert f"due {deadline.isoformat()}" in me


def test_a_deadline_in_the_past_is_refused_and_changes_nothing(login, org, organiser, individual):
    response = login(organiser).post(
        url("individual_invite", org, pk=individual.pk), {"deadline": in_days(-1).isoformat()}, follow=True
    )
    assert "The deadline cannot be in the past" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == Individual.Status.NOT_INVITED and individual.edit_deadline is None
    assert not Email.objects.filter(kind="certificates_edit").exists()


def test_a_malformed_deadline_is_refused_with_a_message(login, org, organiser, individual):
    response = login(organiser).post(
        url("individual_invite", org, pk=individual.pk), {"deadline": "31/02/2026"}, follow=True
    )
    assert "Enter a valid date" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == Individual.Status.NOT_INVITED


def test_the_learner_is_reminded_a_few_days_before_the_deadline_once(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    Individual.objects.filter(pk=individual.pk).update(edit_deadline=in_days(settings.CERTIFICATES_REMINDER_DAYS))
    assert send_deadline_reminders() == 1
    assert send_deadline_reminders() == 0
    email = Email.objects.get(kind="certificates_reminder")
    subject, text, html = render_email(email)
    assert "Bridges Youth Exchange" in subject
    learner_url = reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id})
    assert learner_url in text and learner_url in html
    assert date_format(in_days(settings.CERTIFICATES_REMINDER_DAYS), "DATE_FORMAT") in text
    assert AuditEntry.objects.filter(individual=individual, action="reminded", actor=None).exists()


def test_no_reminder_too_early_after_submitting_or_without_a_deadline(org, organiser, learner, other_learner, project):
    early = editing(make_individual(project, "early@example.test"), learner, organiser)
    Individual.objects.filter(pk=early.pk).update(edit_deadline=in_days(settings.CERTIFICATES_REMINDER_DAYS + 1))
    done = submitted(make_individual(project, "done@example.test"), other_learner, organiser)
    Individual.objects.filter(pk=done.pk).update(edit_deadline=in_days(1))
    editing(make_individual(project, "open@example.test"), make_user_for("open@example.test"), organiser)
    assert send_deadline_reminders() == 0
    assert not Email.objects.filter(kind="certificates_reminder").exists()


def make_user_for(email):
    from conftest import make_user

    return make_user(email)


def test_a_new_deadline_gets_its_own_reminder(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    Individual.objects.filter(pk=individual.pk).update(edit_deadline=in_days(1))
    assert send_deadline_reminders() == 1
    individual.refresh_from_db()
    services.individual_invite_to_edit(individual=individual, invited_by=organiser, deadline=in_days(2))
    assert send_deadline_reminders() == 1


def test_a_past_deadline_is_not_reminded(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    Individual.objects.filter(pk=individual.pk).update(edit_deadline=in_days(-1))
    assert send_deadline_reminders() == 0


def test_reminders_run_every_hour_on_the_email_queue():
    schedule = settings.CELERY_BEAT_SCHEDULE["certificates-deadline-reminders"]
    assert schedule["task"] == "certificates.tasks.send_deadline_reminders"
    from learnerpass.celery import app

    route = app.amqp.router.route({}, "certificates.tasks.send_deadline_reminders")
    assert route["queue"].name == "celery"


def test_the_organiser_reminds_a_learner_who_is_writing(login, org, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    client = login(organiser)
    response = client.post(url("individual_remind", org, pk=individual.pk), follow=True)
    assert "Reminder sent to learner@example.test" in response.content.decode()
    assert Email.objects.filter(kind="certificates_reminder").count() == 1
    # A double click, or a second try the same day, sends nothing more.
    response = client.post(url("individual_remind", org, pk=individual.pk), follow=True)
    assert "already reminded" in response.content.decode()
    assert Email.objects.filter(kind="certificates_reminder").count() == 1


def test_a_reminder_to_someone_not_yet_connected_carries_a_fresh_edit_link(organiser, individual):
    services.individual_invite_to_edit(individual=individual, invited_by=organiser)
    individual.refresh_from_db()
    old = individual.invitations.get(kind="edit", status="pending")
    services.individual_remind(individual=individual, reminded_by=organiser)
    _, text, _ = render_email(Email.objects.get(kind="certificates_reminder"))
    assert "/certificates/edit/" in text
    old.refresh_from_db()
    assert old.status == "canceled"
    assert individual.invitations.filter(kind="edit", status="pending").count() == 1


@pytest.mark.parametrize("state", ["not_invited", "submitted", "accepted"])
def test_only_someone_writing_can_be_reminded(organiser, learner, individual, state):
    if state != "not_invited":
        individual = submitted(individual, learner, organiser)
        if state == "accepted":
            individual = services.individual_accept(individual=individual, accepted_by=organiser)
    with pytest.raises(services.CertificatesError):
        services.individual_remind(individual=individual, reminded_by=organiser)
    assert not Email.objects.filter(kind="certificates_reminder").exists()


def test_the_reminder_interval_is_measured_from_the_last_reminder(organiser, learner, individual, monkeypatch):
    individual = editing(individual, learner, organiser)
    services.individual_remind(individual=individual, reminded_by=organiser)
    later = timezone.now() + timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    services.individual_remind(individual=individual, reminded_by=organiser)
    assert Email.objects.filter(kind="certificates_reminder").count() == 2


def test_the_list_filters_those_not_yet_submitted(login, org, organiser, learner, other_learner, project):
    writing = editing(make_individual(project, "a@example.test", first_name="Writing"), learner, organiser)
    submitted(make_individual(project, "b@example.test", first_name="Done"), other_learner, organiser)
    make_individual(project, "c@example.test", first_name="Idle")
    response = login(organiser).get(url("project", org, pk=project.pk), {"status": "not_submitted"})
    names = [i.first_name for i in response.context["individuals"]]
    assert names == [writing.first_name]
    assert '<option value="not_submitted" selected>' in response.content.decode()


def test_the_list_shows_the_deadline_and_marks_an_overdue_one(login, org, organiser, learner, individual, project):
    individual = editing(individual, learner, organiser)
    Individual.objects.filter(pk=individual.pk).update(edit_deadline=in_days(-2))
    body = login(organiser).get(url("project", org, pk=project.pk)).content.decode()
    assert f"Overdue since {in_days(-2).isoformat()}" in body


def test_the_deadline_is_a_date_in_the_learners_page_not_a_time(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    Individual.objects.filter(pk=individual.pk).update(edit_deadline=date(2999, 1, 31))
    body = login(learner).get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    assert "Jan. 31, 2999" in body.content.decode()
