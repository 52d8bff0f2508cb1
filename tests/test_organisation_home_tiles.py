"""The organisation home's tiles, as each app fills them: figures read as sentences in either number."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from badges.models import Activity, PublishStatus
from certificates.tests.factories import make_individual, make_project
from programs.models import Program, ProgramRun
from programs.services import invitation_create


def _home(client, user, org) -> str:
    client.force_login(user)
    return client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()


def _program(org, code: str) -> ProgramRun:
    program = Program.objects.create(organisation=org, code=code, name=f"Program {code}")
    return ProgramRun.objects.create(
        program=program, code="2026-SPRING", starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30), is_open=True
    )


def _invite(run: ProgramRun, learner_id: str, by) -> None:
    invitation_create(
        program=run.program,
        runs=[run],
        external_learner_id=learner_id,
        email=f"{learner_id.lower()}@example.test",
        valid_until=timezone.now() + timedelta(days=10),
        created_by=by,
    )


def _activity(org, title: str) -> None:
    Activity.objects.create(organisation=org, title=title, status=PublishStatus.PUBLISHED)


@pytest.mark.django_db
def test_one_of_each_figure_is_said_in_the_singular(client, org, org_admin):
    run = _program(org, "MC-ONE")
    _invite(run, "S-1", org_admin)
    make_project(org)
    _activity(org, "Forest first aid")

    page = _home(client, org_admin, org)

    assert "<strong>1</strong> program</li>" in page
    assert "<strong>1</strong> pending invitation</li>" in page
    assert "<strong>1</strong> project</li>" in page
    assert "<strong>1</strong> published activity</li>" in page


@pytest.mark.django_db
def test_two_of_each_figure_are_said_in_the_plural(client, org, org_admin):
    first, second = _program(org, "MC-ONE"), _program(org, "MC-TWO")
    _invite(first, "S-1", org_admin)
    _invite(second, "S-2", org_admin)
    make_individual(make_project(org), email="one@example.test")
    make_project(org, title="Second project")
    _activity(org, "Forest first aid")
    _activity(org, "River safety")

    page = _home(client, org_admin, org)

    assert "<strong>2</strong> programs</li>" in page
    assert "<strong>2</strong> pending invitations</li>" in page
    assert "<strong>2</strong> projects</li>" in page
    assert "<strong>2</strong> published activities</li>" in page


@pytest.mark.django_db
def test_the_home_says_the_members_role_in_a_sentence_that_reads_in_lower_case(client, org, organiser):
    page = _home(client, organiser, org)

    assert "Your role here: Organiser" in page
