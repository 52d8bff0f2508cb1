from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from programs import services
from programs.models import Enrolment, Invitation
from programs.tests.conftest import make_run
from programs.tests.helpers import invite


def run_url(name, org, run):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, "program_id": run.program_id, "run_id": run.pk})


def make_invitations(program, runs, count, start=0):
    for i in range(start, start + count):
        invite(program, runs, ext=f"S{i:04d}", email=f"l{i}@example.test")


def make_enrolments(org, run, count, start=0):
    for i in range(start, start + count):
        user = make_user(f"enrolled{i}@example.test")
        Enrolment.objects.create(organisation=org, run=run, user=user, external_learner_id=f"E{i:04d}", source="direct")


def test_the_invitations_tab_runs_the_same_queries_for_5_or_15_rows(
    login, org, learning_manager, program, run, run2, django_assert_num_queries
):
    client = login(learning_manager)
    make_invitations(program, [run, run2], 5)
    client.get(run_url("run_invitations", org, run))  # warm the session
    # session, user, the user's memberships (access and navigation), the run with its program, page of
    # invitations (no count: keyset pages), their runs, latest emails (with the links they carried)
    with django_assert_num_queries(7):
        response = client.get(run_url("run_invitations", org, run))
    assert response.content.decode().count("Copy link") == 5
    make_invitations(program, [run, run2], 10, start=5)
    with django_assert_num_queries(7):
        response = client.get(run_url("run_invitations", org, run))
    assert response.content.decode().count("Copy link") == 15


def test_the_enrolled_tab_runs_the_same_queries_for_5_or_15_rows(
    login, org, learning_manager, program, run, django_assert_num_queries
):
    client = login(learning_manager)
    make_enrolments(org, run, 5)
    client.get(run_url("run", org, run))
    # session, user, the user's memberships (access and navigation), the run with its program, page of enrolments
    # with users
    with django_assert_num_queries(5):
        client.get(run_url("run", org, run))
    make_enrolments(org, run, 10, start=5)
    with django_assert_num_queries(5):
        response = client.get(run_url("run", org, run))
    assert response.content.decode().count("enrolled1") == 6  # enrolled1 and enrolled10..14


def test_enrolled_and_pending_are_separate_lists(login, org, learning_manager, program, run):
    make_invitations(program, [run], 1)
    make_enrolments(org, run, 1)
    client = login(learning_manager)
    enrolled = client.get(run_url("run", org, run)).content.decode()
    invitations = client.get(run_url("run_invitations", org, run)).content.decode()
    assert "E0000" in enrolled and "S0000" not in enrolled
    assert "S0000" in invitations and "E0000" not in invitations


def test_the_invitations_tab_searches_and_filters_by_status(login, org, learning_manager, program, run):
    make_invitations(program, [run], 3)
    canceled = Invitation.objects.get(external_learner_id="S0001")
    services.invitation_cancel(invitation=canceled, user=learning_manager)
    expired = Invitation.objects.get(external_learner_id="S0002")
    Invitation.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    client = login(learning_manager)

    def rows(**params):
        page = client.get(run_url("run_invitations", org, run), params).content.decode()
        return {ext for ext in ("S0000", "S0001", "S0002") if ext in page}

    assert rows() == {"S0000", "S0001", "S0002"}
    assert rows(status="pending") == {"S0000"}
    assert rows(status="canceled") == {"S0001"}
    assert rows(status="expired") == {"S0002"}
    assert rows(q="l2@EXAMPLE") == {"S0002"}
    assert rows(q="s0001") == {"S0001"}


def test_the_lists_paginate(login, org, learning_manager, program, run, monkeypatch):
    from programs import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    make_invitations(program, [run], 3)
    client = login(learning_manager)
    first = client.get(run_url("run_invitations", org, run), {"status": "pending"})
    assert [ext for ext in ("S0002", "S0001", "S0000") if ext in first.content.decode()] == ["S0002", "S0001"]
    # Newest first; the next page starts after the last row shown and keeps the filter.
    next_url = first.context["page"].next_url
    assert "status=pending" in next_url and "after=" in next_url and 'rel="next"' in first.content.decode()
    second = client.get(run_url("run_invitations", org, run) + next_url).content.decode()
    assert "S0000" in second and "S0001" not in second and 'rel="next"' not in second
    assert ">First<" in second


def test_the_enrolled_list_pages_by_learner_id(login, org, learning_manager, program, run, monkeypatch):
    from programs import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    make_enrolments(org, run, 5)
    client = login(learning_manager)
    seen, url = [], run_url("run", org, run)
    while url:
        response = client.get(url)
        seen += [enrolment.external_learner_id for enrolment in response.context["page"]]
        page = response.context["page"]
        url = run_url("run", org, run) + page.next_url if page.has_next else None
    assert seen == ["E0000", "E0001", "E0002", "E0003", "E0004"]


@pytest.mark.parametrize("name", ["run_invitations_csv", "run_enrolled_csv"])
def test_csv_exports_neutralise_formulas(login, org, learning_manager, program, run, name):
    invite(program, [run], ext="=SUM(A1)", email="x@example.test")
    user = make_user("y@example.test")
    Enrolment.objects.create(organisation=org, run=run, user=user, external_learner_id="+CMD", source="direct")
    response = login(learning_manager).get(run_url(name, org, run))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert ("'=SUM(A1)" if name == "run_invitations_csv" else "'+CMD") in text


def test_the_program_list_runs_the_same_queries_for_2_or_6_programs(
    login, org, learning_manager, django_assert_num_queries
):
    from programs.tests.conftest import make_program, make_run

    client = login(learning_manager)
    url = reverse("programs:list", kwargs={"org_slug": org.slug})

    def add(start, count):
        for i in range(start, start + count):
            make_run(make_program(org, code=f"P{i}", name=f"Program {i}"), "R")

    add(0, 2)
    client.get(url)
    # session, user, the user's memberships (access and navigation), programs with run counts
    with django_assert_num_queries(4):
        client.get(url)
    add(2, 4)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.content.decode().count("Program ") >= 6


def test_the_billing_page_runs_the_same_queries_for_any_number_of_months(
    login, org, learning_manager, program, run, django_assert_num_queries
):
    from datetime import UTC, datetime

    client = login(learning_manager)
    url = reverse("programs:billing", kwargs={"org_slug": org.slug})
    for month in range(1, 13):
        user = make_user(f"b{month}@example.test")
        Enrolment.objects.create(
            organisation=org,
            run=run,
            user=user,
            external_learner_id=f"B{month}",
            source="invitation",
            created_at=datetime(2025, month, 3, tzinfo=UTC),
        )
        if month in (1, 12):
            client.get(url)
            # session, user, the user's memberships (access and navigation), months
            with django_assert_num_queries(4):
                client.get(url)


def test_the_program_page_counts_enrolled_and_pending_per_run_in_constant_queries(
    login, org, learning_manager, program, run, run2, linked_learner, django_assert_num_queries
):
    from programs.tests.conftest import make_run

    make_invitations(program, [run, run2], 3)
    expired, _ = invite(program, [run], ext="S-OLD", email="old@example.test")
    Invitation.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    Enrolment.objects.create(
        organisation=org, run=run, user=linked_learner, external_learner_id="S-LINKED", source="invitation"
    )
    # An unenrolled learner no longer counts on the run.
    Enrolment.objects.create(
        organisation=org,
        run=run,
        user=make_user("gone@example.test"),
        external_learner_id="S-GONE",
        source="invitation",
        unenrolled_at=timezone.now(),
    )
    client = login(learning_manager)
    url = reverse("programs:program", kwargs={"org_slug": org.slug, "program_id": program.pk})
    response = client.get(url)
    counts = {r.code: (r.enrolled_count, r.pending_count) for r in response.context["runs"]}
    assert counts == {"2026-SPRING": (1, 3), "2026-AUTUMN": (0, 3)}
    # session, user, the user's memberships (access and navigation), program, runs with both counts, learner admins
    with django_assert_num_queries(6):
        client.get(url)
    for code in ("R1", "R2", "R3"):
        make_run(program, code)
    with django_assert_num_queries(6):
        client.get(url)


def test_past_the_cap_the_program_page_says_more_than_it_instead_of_counting_every_invitation(
    login, org, learning_manager, program, run, run2, monkeypatch
):
    monkeypatch.setattr("learnerpass.lib.counts.COUNT_CAP", 2)
    monkeypatch.setattr("learnerpass.templatetags.learnerpass_tags.COUNT_CAP", 2)
    make_invitations(program, [run], 4)
    make_invitations(program, [run2], 2, start=10)
    client = login(learning_manager)
    response = client.get(reverse("programs:program", kwargs={"org_slug": org.slug, "program_id": program.pk}))
    counts = {r.code: r.pending_count for r in response.context["runs"]}
    assert counts == {"2026-SPRING": 3, "2026-AUTUMN": 2}  # counted up to the cap and one more
    page = response.content.decode()
    assert '<td class="text-end">2+</td>' in page and '<td class="text-end">2</td>' in page
    home = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert "<strong>2+</strong> pending invitations" in home


def test_an_open_run_page_invites_to_that_run_and_a_closed_one_says_why_it_cannot(
    login, org, learning_manager, program, run, closed_run
):
    client = login(learning_manager)
    invite_url = reverse("programs:invite", kwargs={"org_slug": org.slug, "program_id": program.pk})
    page = client.get(run_url("run", org, run)).content.decode()
    assert f'href="{invite_url}?runs={run.pk}"' in page
    form = client.get(f"{invite_url}?runs={run.pk}").context["form"]
    assert form.initial["runs"] == [str(run.pk)]
    page = client.get(run_url("run_invitations", org, closed_run)).content.decode()
    assert invite_url not in page and "This run is closed" in page
    assert run_url("run_edit", org, closed_run) in page


@pytest.mark.parametrize("tab", ["run", "run_invitations"])
def test_a_run_page_answers_404_or_403_as_its_program_does(
    login, org, other_org, learning_manager, program_admin, outsider, program, run, other_program, tab
):
    """The run is read with its program in one query (get_run_for_manager): the refusals stay those of the program."""
    other_run = make_run(other_program, "OTHER-1")
    manager = login(learning_manager)
    assert manager.get(run_url(tab, org, run)).status_code == 200
    # A run of another program of the same organisation, under this program's address: no such run here.
    mixed = reverse(f"programs:{tab}", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": other_run.pk})
    assert manager.get(mixed).status_code == 404
    missing = reverse(f"programs:{tab}", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": 999_999})
    assert manager.get(missing).status_code == 404
    # Another organisation's member: 404, whatever exists.
    foreign = reverse(
        f"programs:{tab}", kwargs={"org_slug": other_org.slug, "program_id": program.pk, "run_id": run.pk}
    )
    assert login(outsider).get(foreign).status_code == 404
    assert login(outsider).get(run_url(tab, org, run)).status_code == 404
    # A program learner admin of `program` only: its runs yes, another program's runs no (the program refuses first).
    admin = login(program_admin)
    assert admin.get(run_url(tab, org, run)).status_code == 200
    assert admin.get(run_url(tab, org, other_run)).status_code == 403
    gone = reverse(f"programs:{tab}", kwargs={"org_slug": org.slug, "program_id": other_program.pk, "run_id": 999_999})
    assert admin.get(gone).status_code == 403
