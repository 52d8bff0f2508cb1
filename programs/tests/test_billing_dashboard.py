from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.urls import reverse

from conftest import make_user
from programs.models import Enrolment, Invitation
from programs.selectors import billing_by_month, learner_dashboard
from programs.tests.conftest import make_program, make_run
from programs.tests.helpers import invite


def enrol(org, run, user, source, when):
    Enrolment.objects.create(
        organisation=org, run=run, user=user, external_learner_id=user.email, source=source, created_at=when
    )


def test_billing_counts_invitation_and_direct_enrolments_separately_and_in_total_per_month(
    login, org, other_org, learning_manager, program, run, run2, django_assert_num_queries
):
    a, b = make_user("a@example.test"), make_user("b@example.test")
    enrol(org, run, a, "invitation", datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    enrol(org, run2, a, "invitation", datetime(2026, 1, 5, tzinfo=UTC))
    enrol(org, run, b, "invitation", datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    enrol(org, run2, b, "direct", datetime(2026, 2, 2, tzinfo=UTC))
    # Unenrolled later, still billed in the month it was created.
    Enrolment.objects.create(
        organisation=org,
        run=run,
        user=make_user("c@example.test"),
        external_learner_id="C",
        source="direct",
        created_at=datetime(2026, 2, 3, tzinfo=UTC),
        unenrolled_at=datetime(2026, 3, 1, tzinfo=UTC),
        unenrol_reason="Left",
    )
    foreign = make_run(make_program(other_org), "X")
    enrol(other_org, foreign, b, "invitation", datetime(2026, 2, 3, tzinfo=UTC))
    with django_assert_num_queries(1):
        months = [
            (m["month"].strftime("%Y-%m"), m["invitation"], m["direct"], m["total"], m["learners"])
            for m in billing_by_month(org)
        ]
    assert months == [("2026-02", 1, 2, 3, 2), ("2026-01", 2, 0, 2, 1)]
    client = login(learning_manager)
    page = client.get(reverse("programs:billing", kwargs={"org_slug": org.slug})).content.decode()
    assert "2026-01" in page and "Direct enrolments" in page and "Through invitations" in page
    assert "All months" in page
    response = client.get(reverse("programs:billing_csv", kwargs={"org_slug": org.slug}))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines == [
        "month,enrolments_via_invitation,direct_enrolments,total_enrolments,learners",
        "2026-02,1,2,3,2",
        "2026-01,2,0,2,1",
    ]


def test_the_dashboard_lists_programs_and_runs_in_one_query(
    org, program, run, run2, learner, django_assert_num_queries
):
    other = make_run(make_program(org, code="P2", name="Second program"), "R")
    for r in (run, run2, other):
        enrol(org, r, learner, "direct", datetime(2026, 1, 1, tzinfo=UTC))
    with django_assert_num_queries(2):  # enrolments with runs and programs; programs the learner manages
        data = learner_dashboard(learner)
        html = render_to_string("programs/_dashboard.html", {"data": data})
    assert [item["program"].code for item in data["items"]] == ["MC-DATA", "P2"]
    assert "2026-AUTUMN" in html and "Second program" in html and 'id="me-programs"' in html


def test_the_dashboard_links_a_program_learner_admin_to_their_program(program_admin, program):
    html = render_to_string("programs/_dashboard.html", {"data": learner_dashboard(program_admin)})
    assert "Programs you manage" in html and f"/o/acme/programs/{program.pk}/" in html


def test_the_dashboard_has_an_honest_empty_state(learner):
    html = render_to_string("programs/_dashboard.html", {"data": learner_dashboard(learner)})
    assert "not enrolled on any program yet" in html


def test_the_demo_data_builds_every_state_and_can_run_twice(db):
    from organisations import demo as org_demo
    from programs import demo

    context = org_demo.build({})
    demo.build(context)
    counts = dict.fromkeys(Invitation.Status.values, 0)
    for status in Invitation.objects.values_list("status", flat=True):
        counts[status] += 1
    assert all(counts.values()), counts
    before = (Invitation.objects.count(), Enrolment.objects.count())
    demo.build(org_demo.build({}))
    assert (Invitation.objects.count(), Enrolment.objects.count()) == before
    assert invite  # the demo uses the same services as the tests


def test_billing_numbers_have_the_languages_thousands_separator_on_the_page_and_none_in_the_csv(
    login, org, learning_manager, program, run
):
    when = datetime(2026, 3, 10, tzinfo=UTC)
    users = [make_user(f"u{i}@example.test") for i in range(3)]
    # Distinct runs keep one enrolment per learner and run.
    runs = [make_run(program, f"R{i}") for i in range(400)]
    Enrolment.objects.bulk_create(
        Enrolment(organisation=org, run=r, user=u, external_learner_id=u.email, source="direct", created_at=when)
        for u in users
        for r in runs
    )
    client = login(learning_manager)
    url = reverse("programs:billing", kwargs={"org_slug": org.slug})
    assert ">1,200</td>" in client.get(url).content.decode()
    assert ">1\xa0200</td>" in client.get(url, headers={"Accept-Language": "fr"}).content.decode()
    response = client.get(reverse("programs:billing_csv", kwargs={"org_slug": org.slug}))
    assert "2026-03,0,1200,1200,3" in b"".join(response.streaming_content).decode("utf-8-sig")
