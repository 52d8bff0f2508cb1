"""Bulk connect, invite to edit and remind: selected individuals or everyone not yet invited, one message,
a recorded job whose summary says who was skipped and why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import AuditEntry, Individual, IndividualInvitation
from certificates.tests.factories import accepted, editing, make_individual, make_project, submitted
from conftest import make_user
from jobs.models import Job
from outbox.models import Email

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def people(project, organiser):
    """Ana and Bo not connected (Bo has a connect link), Cy connected and writing, Di submitted, Ed accepted."""
    ana = make_individual(project, "ana@example.test", first_name="Ana", surname="Alves")
    bo = make_individual(project, "bo@example.test", first_name="Bo", surname="Berg")
    services.individual_send_connect(individual=bo, sent_by=organiser)
    cy = editing(
        make_individual(project, "cy@example.test", first_name="Cy", surname="Cruz"), make_user("cy@x.test"), organiser
    )
    di = submitted(
        make_individual(project, "di@example.test", first_name="Di", surname="Dahl"), make_user("di@x.test"), organiser
    )
    ed = accepted(
        make_individual(project, "ed@example.test", first_name="Ed", surname="Eng"), make_user("ed@x.test"), organiser
    )
    Email.objects.all().delete()
    return {p.first_name: Individual.objects.get(pk=p.pk) for p in (ana, bo, cy, di, ed)}


def bulk(client, org, project, follow=False, **post):
    post = {"batch": "b-" + "-".join(sorted(post)), **post}
    return client.post(url("individuals_bulk", org, pk=project.pk), post, follow=follow)


def job_reasons(job) -> dict:
    return {reason: n for reasons in job.reasons.values() for reason, n in reasons.items()}


def test_connect_everyone_not_yet_invited(login, org, organiser, project, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(login(organiser), org, project, action="connect", scope="pending")
    job = Job.objects.get(kind="certificates.bulk")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", kwargs={"org_slug": org.slug, "public_id": job.public_id})
    assert job.state == "succeeded" and job.counts == {"sent": 1}
    assert list(Email.objects.values_list("to", flat=True)) == ["ana@example.test"]


def test_invite_the_selected_with_one_message_and_a_deadline_and_say_who_was_skipped(
    login, org, organiser, project, people, django_capture_on_commit_callbacks
):
    deadline = timezone.now().date() + timedelta(days=10)
    ids = [people[name].pk for name in ("Ana", "Bo", "Cy", "Di", "Ed")]
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(
            login(organiser),
            org,
            project,
            action="invite",
            scope="selected",
            ids=ids,
            message="Please write by the end of the month.",
            deadline=deadline.isoformat(),
        )
    job = Job.objects.get(kind="certificates.bulk")
    assert job.counts == {"sent": 2, "skipped": 3}
    assert sorted(Email.objects.values_list("to", flat=True)) == ["bo@example.test", "cy@example.test"]
    for name in ("Bo", "Cy"):
        individual = Individual.objects.get(pk=people[name].pk)
        assert individual.status == "editing" and individual.edit_message == "Please write by the end of the month."
        assert individual.edit_deadline == deadline
    reasons = job_reasons(job)
    assert reasons == {
        "No connect invitation yet; send one first: Ana Alves": 1,
        "Submitted; review it first: Di Dahl": 1,
        "Accepted; invite them one by one to reopen their data: Ed Eng": 1,
    }
    page = login(organiser).get(response["Location"]).content.decode()
    assert "Di Dahl" in page and "Submitted; review it first" in page


def test_remind_everyone_not_yet_submitted(login, org, organiser, project, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bulk(login(organiser), org, project, action="remind", scope="pending")
    job = Job.objects.get(kind="certificates.bulk")
    assert job.counts == {"sent": 1}
    assert list(Email.objects.filter(kind="certificates_reminder").values_list("to", flat=True)) == ["cy@example.test"]


def test_a_job_run_twice_sends_once(organiser, project, people, django_capture_on_commit_callbacks):
    from certificates.tasks import individuals_bulk
    from jobs.services import job_run

    with django_capture_on_commit_callbacks(execute=True):
        job = services.individuals_bulk_start(
            project=project,
            action="connect",
            scope="pending",
            ids=[],
            message="",
            deadline=None,
            started_by=organiser,
            batch="once",
        )
    # The worker died after its work and before recording the outcome: the job runs again from the start.
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, counts={}, done=0)
    individuals_bulk(job_id=job.pk, **job.task_kwargs)
    job.refresh_from_db()
    assert job.counts == {"sent": 1}
    assert Email.objects.count() == 1
    assert IndividualInvitation.objects.filter(individual=people["Ana"], kind="connect").count() == 1
    assert job_run(job.pk, lambda run: None) is False


def test_the_same_form_posted_twice_starts_one_job(login, org, organiser, project, people):
    client = login(organiser)
    bulk(client, org, project, action="connect", scope="pending", batch="same")
    response = client.post(
        url("individuals_bulk", org, pk=project.pk),
        {"batch": "same", "action": "connect", "scope": "pending"},
        follow=True,
    )
    assert "already started" in response.content.decode()
    assert Job.objects.filter(kind="certificates.bulk").count() == 1


def test_nothing_selected_is_refused_with_a_message(login, org, organiser, project, people):
    response = bulk(login(organiser), org, project, action="invite", scope="selected", follow=True)
    assert "Select at least one individual" in response.content.decode()
    assert not Job.objects.exists()


def test_another_projects_individuals_cannot_be_slipped_in(login, org, organiser, project, people):
    other = make_individual(make_project(org, title="Other"), "zed@example.test")
    response = bulk(login(organiser), org, project, action="connect", scope="selected", ids=[other.pk], follow=True)
    assert "Select at least one individual" in response.content.decode()
    assert not Job.objects.exists()


def test_a_bad_action_or_an_overlong_message_changes_nothing(login, org, organiser, project, people):
    client = login(organiser)
    bulk(client, org, project, action="delete", scope="pending")
    bulk(client, org, project, action="invite", scope="pending", message="x" * 3001)
    assert not Job.objects.exists()


def test_the_summary_names_at_most_ten_and_counts_the_rest(organiser, project, django_capture_on_commit_callbacks):
    for n in range(12):
        individual = make_individual(project, f"p{n}@example.test", first_name=f"P{n:02}", surname="S")
        Individual.objects.filter(pk=individual.pk).update(user=make_user(f"p{n}@x.test"))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.individuals_bulk_start(
            project=project,
            action="connect",
            scope="selected",
            ids=list(Individual.objects.values_list("pk", flat=True)),
            message="",
            deadline=None,
            started_by=organiser,
            batch="many",
        )
    job.refresh_from_db()
    [(reason, n)] = job_reasons(job).items()
    assert n == 12 and reason.startswith("Already connected: P00 S, P01 S") and reason.endswith("and 2 more")


def test_every_send_is_in_the_timeline_with_its_batch(organiser, project, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.individuals_bulk_start(
            project=project,
            action="connect",
            scope="pending",
            ids=[],
            message="",
            deadline=None,
            started_by=organiser,
            batch="timeline",
        )
    entry = AuditEntry.objects.get(individual=people["Ana"], action="connect_sent")
    assert entry.actor == organiser and entry.detail["batch"] == "timeline"


def test_the_project_page_offers_the_bulk_form_with_a_checkbox_per_person(login, org, organiser, project, people):
    page = login(organiser).get(url("project", org, pk=project.pk)).content.decode()
    assert f'action="{url("individuals_bulk", org, pk=project.pk)}"' in page
    assert f'name="ids" value="{people["Ana"].pk}" form="bulk-form"' in page
    assert 'name="batch"' in page


def test_get_on_bulk_is_refused(login, org, organiser, project):
    assert login(organiser).get(url("individuals_bulk", org, pk=project.pk)).status_code == 405
