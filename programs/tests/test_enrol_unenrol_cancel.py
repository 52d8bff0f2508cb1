"""Direct enrolment emails the learner and is billed; unenrol asks first and records why; bulk cancel."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from outbox.models import Email
from outbox.services import render_email
from programs import services
from programs.models import Enrolment, Invitation, LearnerLink
from programs.selectors import billing_by_month, learner_dashboard
from programs.tests.conftest import make_run
from programs.tests.helpers import invite


@pytest.fixture
def manager_client(login, learning_manager):
    return login(learning_manager)


@pytest.fixture
def linked(org, learner):
    LearnerLink.objects.create(organisation=org, external_learner_id="S-L", user=learner)
    return learner


def enrol_url(org, program):
    return reverse("programs:enrol", kwargs={"org_slug": org.slug, "program_id": program.pk})


# Direct enrolment ---------------------------------------------------------------------------------------------


def test_direct_enrolment_emails_the_learner_the_program_the_runs_and_a_link(
    manager_client, org, degree, degree_run, degree_run2, linked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            enrol_url(org, degree), {"external_learner_id": "S-L", "runs": [degree_run.pk, degree_run2.pk]}
        )
    assert response.status_code == 302
    page = manager_client.get(response["Location"]).content.decode()
    assert "Learner S-L enrolled on 2026-27, 2027-28 and told by email." in page
    email = Email.objects.get(kind="program_enrolment")
    assert email.to == linked.email and email.status == Email.Status.SENT
    assert (email.ref_type, email.ref_id) == ("programs.enrolment", Enrolment.objects.order_by("id").first().pk)
    subject, text, html = render_email(email)
    assert subject == "You are enrolled in Bachelor in youth work"
    for body in (text, html):
        assert "Acme Learning" in body and "2026-27 (2026-03-01 – 2026-06-30)" in body and "2027-28" in body
        assert "http://testserver/me/#me-programs" in body or "/me/#me-programs" in body


def test_adding_a_run_later_emails_only_the_new_run(org, degree, degree_run, degree_run2, linked):
    services.enrolment_create_direct(program=degree, runs=[degree_run], external_learner_id="S-L", created_by=None)
    services.enrolment_create_direct(
        program=degree, runs=[degree_run, degree_run2], external_learner_id="S-L", created_by=None
    )
    latest = Email.objects.filter(kind="program_enrolment").order_by("-id").first()
    assert latest.context["runs"] == ["2027-28 (2026-03-01 – 2026-06-30)"]


def test_a_refused_direct_enrolment_sends_nothing(manager_client, org, degree, degree_run, linked):
    services.enrolment_create_direct(program=degree, runs=[degree_run], external_learner_id="S-L", created_by=None)
    response = manager_client.post(enrol_url(org, degree), {"external_learner_id": "S-L", "runs": [degree_run.pk]})
    assert "already enrolled on every chosen run" in response.content.decode()
    assert Email.objects.filter(kind="program_enrolment").count() == 1


def test_direct_enrolment_counts_on_the_billing_report_as_direct(org, degree, degree_run, linked):
    services.enrolment_create_direct(program=degree, runs=[degree_run], external_learner_id="S-L", created_by=None)
    (month,) = billing_by_month(org)
    assert (month["invitation"], month["direct"], month["total"]) == (0, 1, 1)


def test_direct_enrolment_is_for_degrees_only(manager_client, org, program, run, linked):
    page = manager_client.get(enrol_url(org, program)).content.decode()
    assert "Direct enrolment is for degree programs" in page and 'name="external_learner_id"' not in page
    response = manager_client.post(enrol_url(org, program), {"external_learner_id": "S-L", "runs": [run.pk]})
    assert response.status_code == 200 and not Enrolment.objects.exists()
    with pytest.raises(services.ProgramsError, match="Direct enrolment is for degree programs"):
        services.enrolment_create_direct(program=program, runs=[run], external_learner_id="S-L", created_by=None)


# Unenrol ----------------------------------------------------------------------------------------------------


def unenrol_url(org, enrolment):
    return reverse(
        "programs:enrolment_unenrol",
        kwargs={
            "org_slug": org.slug,
            "program_id": enrolment.run.program_id,
            "run_id": enrolment.run_id,
            "enrolment_id": enrolment.pk,
        },
    )


def run_url(org, run, name="run"):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, "program_id": run.program_id, "run_id": run.pk})


@pytest.fixture
def enrolment(org, run, linked):
    return Enrolment.objects.create(
        organisation=org, run=run, user=linked, external_learner_id="S-L", source="invitation"
    )


def test_the_enrolled_tab_offers_unenrol_which_asks_first_and_says_why_a_reason_is_needed(
    manager_client, org, run, enrolment
):
    tab = manager_client.get(run_url(org, run)).content.decode()
    assert unenrol_url(org, enrolment) in tab
    page = manager_client.get(unenrol_url(org, enrolment)).content.decode()
    assert "Unenrol S-L from 2026-SPRING?" in page and "A reason is needed because" in page
    enrolment.refresh_from_db()
    assert enrolment.unenrolled_at is None


def test_unenrolling_records_who_when_and_why_and_takes_the_learner_off_the_run(
    manager_client, org, learning_manager, run, enrolment, linked
):
    response = manager_client.post(unenrol_url(org, enrolment), {"reason": "  Moved to the evening group.  "})
    assert response.status_code == 302 and response["Location"] == run_url(org, run)
    enrolment.refresh_from_db()
    assert enrolment.unenrolled_by == learning_manager and enrolment.unenrolled_at is not None
    assert enrolment.unenrol_reason == "Moved to the evening group."
    tab = manager_client.get(run_url(org, run)).content.decode()
    assert "S-L was unenrolled from 2026-SPRING." in tab and "Nobody is enrolled on this run yet." in tab
    unenrolled = manager_client.get(run_url(org, run) + "?state=unenrolled").content.decode()
    assert "Moved to the evening group." in unenrolled and learning_manager.email in unenrolled
    assert learner_dashboard(linked)["items"] == []
    # Billing keeps it: it was created.
    assert billing_by_month(org)[0]["total"] == 1


def test_unenrolling_needs_a_reason_and_changes_nothing_without_one(manager_client, org, enrolment):
    response = manager_client.post(unenrol_url(org, enrolment), {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the learner is unenrolled" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.unenrolled_at is None


def test_unenrolling_twice_says_so(manager_client, org, enrolment):
    manager_client.post(unenrol_url(org, enrolment), {"reason": "Left"})
    response = manager_client.post(unenrol_url(org, enrolment), {"reason": "Again"})
    assert "already unenrolled" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.unenrol_reason == "Left"


def test_an_unenrolled_learner_can_be_enrolled_again(org, degree, degree_run, linked):
    (first,) = services.enrolment_create_direct(
        program=degree, runs=[degree_run], external_learner_id="S-L", created_by=None
    )
    services.enrolment_unenrol(enrolment=first, user=None, reason="By mistake")
    (second,) = services.enrolment_create_direct(
        program=degree, runs=[degree_run], external_learner_id="S-L", created_by=None
    )
    assert second.pk != first.pk
    assert Enrolment.objects.active().get().pk == second.pk


def test_an_unenrolled_learner_can_be_invited_and_accept_again(org, program, run, enrolment, linked):
    services.enrolment_unenrol(enrolment=enrolment, user=None, reason="Paused")
    invitation, token = invite(program, [run], ext="S-L", email=linked.email)
    services.invitation_accept(token=token, user=linked)
    assert Enrolment.objects.active().filter(user=linked, run=run).count() == 1


def test_an_enrolment_of_another_run_is_404(manager_client, org, program, run, run2, enrolment):
    url = reverse(
        "programs:enrolment_unenrol",
        kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": run2.pk, "enrolment_id": enrolment.pk},
    )
    assert manager_client.post(url, {"reason": "x"}).status_code == 404


def test_the_enrolled_tab_runs_a_constant_number_of_queries(
    manager_client, org, run, enrolment, django_assert_num_queries
):
    manager_client.get(run_url(org, run))
    # session, user, the user's memberships (access and menu), the run with its program, the page of enrolments
    # with their users (a keyset page: no count)
    with django_assert_num_queries(5):
        manager_client.get(run_url(org, run))
    for index in range(5):
        user = make_user(f"u{index}@example.test")
        Enrolment.objects.create(organisation=org, run=run, user=user, external_learner_id=f"U{index}", source="direct")
    with django_assert_num_queries(5):
        manager_client.get(run_url(org, run))
    for one in Enrolment.objects.filter(external_learner_id__in=["U0", "U1"]):
        services.enrolment_unenrol(enrolment=one, user=None, reason="Left")
    # The unenrolled list reads who unenrolled them in the same query as the learners.
    with django_assert_num_queries(5):
        manager_client.get(run_url(org, run) + "?state=unenrolled")


# Bulk cancel -------------------------------------------------------------------------------------------------


def test_selected_pending_invitations_are_canceled_at_once(manager_client, org, learning_manager, program, run):
    invitations = [invite(program, [run], ext=f"S{i}", email=f"s{i}@example.test")[0] for i in range(4)]
    accepted = invitations[3]
    Invitation.objects.filter(pk=accepted.pk).update(status=Invitation.Status.ACCEPTED)
    page = manager_client.get(run_url(org, run, "run_invitations")).content.decode()
    assert "Cancel selected invitations" in page and f'name="invitation" value="{accepted.pk}"' not in page
    chosen = [invitations[0].pk, invitations[1].pk, accepted.pk]
    response = manager_client.post(run_url(org, run, "run_invitations_cancel"), {"invitation": chosen}, follow=True)
    page = response.content.decode()
    assert "2 invitations canceled." in page
    assert "1 selected invitation was no longer pending and was left as it was." in page
    statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert [statuses[i.pk] for i in invitations] == ["canceled", "canceled", "pending", "accepted"]
    assert Invitation.objects.get(pk=invitations[0].pk).canceled_by == learning_manager


def test_bulk_cancel_leaves_another_programs_invitations_alone(manager_client, org, program, run, other_program):
    other, _ = invite(other_program, [make_run(other_program, "D1")], ext="X", email="x@example.test")
    response = manager_client.post(run_url(org, run, "run_invitations_cancel"), {"invitation": [other.pk]}, follow=True)
    assert "1 selected invitation was no longer pending" in response.content.decode()
    other.refresh_from_db()
    assert other.status == Invitation.Status.PENDING


def test_bulk_cancel_with_nothing_selected_says_so(manager_client, org, program, run):
    response = manager_client.post(run_url(org, run, "run_invitations_cancel"), {}, follow=True)
    assert "Select at least one invitation to cancel." in response.content.decode()


def test_bulk_cancel_of_an_expired_invitation_leaves_it(manager_client, org, program, run):
    invitation, _ = invite(program, [run])
    Invitation.objects.filter(pk=invitation.pk).update(valid_until=timezone.now())
    manager_client.post(run_url(org, run, "run_invitations_cancel"), {"invitation": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING and invitation.effective_status == "expired"


def test_bulk_cancel_returns_to_the_filtered_list_it_came_from(manager_client, org, program, run):
    invitation, _ = invite(program, [run])
    back = run_url(org, run, "run_invitations") + "?status=pending&q=S"
    response = manager_client.post(
        run_url(org, run, "run_invitations_cancel"), {"invitation": [invitation.pk], "next": back}
    )
    assert response["Location"] == back


def test_get_on_bulk_cancel_is_405(manager_client, org, program, run):
    assert manager_client.get(run_url(org, run, "run_invitations_cancel")).status_code == 405
