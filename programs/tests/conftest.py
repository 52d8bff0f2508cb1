"""Programs, runs and people for the programs tests."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import make_member
from organisations.models import Role
from programs.models import LearnerLink, Program, ProgramLearnerAdmin, ProgramRun


def future(days: int = 10) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def future_text(days: int = 10) -> str:
    return future(days).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def make_program(org, code="MC-DATA", name="Data literacy", **extra) -> Program:
    return Program.objects.create(organisation=org, code=code, name=name, **extra)


def make_run(program, code="2026-SPRING", is_open=True) -> ProgramRun:
    return ProgramRun.objects.create(
        program=program, code=code, starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30), is_open=is_open
    )


@pytest.fixture
def program(org):
    return make_program(org)


@pytest.fixture
def run(program):
    return make_run(program)


@pytest.fixture
def run2(program):
    return make_run(program, "2026-AUTUMN")


@pytest.fixture
def closed_run(program):
    return make_run(program, "2025-OLD", is_open=False)


@pytest.fixture
def other_program(org):
    return make_program(org, code="DEG-ENG", name="Engineering degree", kind=Program.Kind.DEGREE)


@pytest.fixture
def program_admin(org, program):
    """An organiser holding the program learner admin role on `program` only."""
    user = make_member(org, "program.admin@acme.test", Role.ORGANISER)
    ProgramLearnerAdmin.objects.create(program=program, user=user)
    return user


@pytest.fixture
def linked_learner(org, learner):
    LearnerLink.objects.create(organisation=org, external_learner_id="S-LINKED", user=learner)
    return learner


@pytest.fixture
def degree(org):
    return make_program(org, code="BA-YW", name="Bachelor in youth work", kind=Program.Kind.DEGREE)


@pytest.fixture
def degree_run(degree):
    return make_run(degree, "2026-27")


@pytest.fixture
def degree_run2(degree):
    return make_run(degree, "2027-28")
