import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from programs import services
from programs.models import Enrolment, Invitation, LearnerLink
from programs.selectors import learner_dashboard
from programs.tests.helpers import invite


def link(token):
    return reverse("programs:invitation", kwargs={"token": token})


def test_signed_out_visitor_sees_the_program_and_sign_in_links_with_the_email(client, program, run):
    invitation, token = invite(program, [run])
    response = client.get(link(token))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Data literacy" in page and "2026-SPRING" in page
    assert client.session["account_verified_email"] == "new.learner@example.test"
    href = re.search(r'href="(' + re.escape(reverse("account_signup")) + r'\?[^"]+)"', page).group(1)
    query = parse_qs(urlparse(href.replace("&amp;", "&")).query)
    assert query == {"next": [link(token)], "email": ["new.learner@example.test"]}


def test_get_does_not_accept(login, program, run, learner):
    invitation, token = invite(program, [run], email=learner.email)
    response = login(learner).get(link(token))
    assert b"Accept and enrol" in response.content
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Enrolment.objects.exists()


def test_accepting_links_the_learner_id_and_enrols_on_every_invited_run(login, org, program, run, run2, learner):
    invitation, token = invite(program, [run, run2], email=learner.email)
    client = login(learner)
    response = client.post(link(token))
    assert response.status_code == 302 and response["Location"] == reverse("me")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == learner and invitation.accepted_at
    assert LearnerLink.objects.get(organisation=org).user == learner
    enrolments = Enrolment.objects.filter(user=learner)
    assert {e.run for e in enrolments} == {run, run2}
    assert all(e.source == Enrolment.Source.INVITATION and e.invitation == invitation for e in enrolments)
    me = render_to_string("programs/_dashboard.html", {"data": learner_dashboard(learner)})
    assert "Data literacy" in me and "2026-AUTUMN" in me


def test_a_used_link_shows_an_error_and_enrols_nothing_more(login, program, run, learner, other_learner):
    _, token = invite(program, [run], email=learner.email)
    login(learner).post(link(token))
    response = login(other_learner).post(link(token))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_an_expired_invitation_is_refused_before_the_task_marks_it(login, program, run, learner):
    invitation, token = invite(program, [run])
    Invitation.objects.filter(pk=invitation.pk).update(
        valid_until=timezone.now() - timedelta(minutes=1), expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = login(learner).post(link(token))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Enrolment.objects.exists()
    with pytest.raises(services.ProgramsError):
        services.invitation_accept(token=token, user=learner)


def test_the_periodic_task_marks_expired_invitations_and_is_idempotent(program, run):
    from programs.tasks import expire_invitations

    old, _ = invite(program, [run], ext="OLD")
    fresh, _ = invite(program, [run], ext="NEW", email="new@example.test")
    Invitation.objects.filter(pk=old.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert expire_invitations.delay().get() == 1
    assert expire_invitations.delay().get() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Invitation.Status.EXPIRED and fresh.status == Invitation.Status.PENDING


def test_an_unknown_token_is_404(client, db):
    response = client.get(link("not-a-real-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_a_learner_id_linked_to_another_account_is_refused(login, org, program, run, learner, other_learner):
    LearnerLink.objects.create(organisation=org, external_learner_id="S001", user=other_learner)
    # The service refuses the mismatch at creation; a link made after the invitation is the real case.
    LearnerLink.objects.all().delete()
    _, token = invite(program, [run], email=learner.email)
    LearnerLink.objects.create(organisation=org, external_learner_id="S001", user=other_learner)
    response = login(learner).post(link(token))
    assert response.status_code == 409
    assert "already linked to another account" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_an_account_linked_under_another_learner_id_is_refused(login, org, program, run, learner):
    LearnerLink.objects.create(organisation=org, external_learner_id="OTHER-ID", user=learner)
    _, token = invite(program, [run])
    response = login(learner).post(link(token), {"add_address": "1"})
    assert response.status_code == 409
    assert "linked to another learner ID" in response.content.decode()
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not learner.emailaddress_set.filter(email="new.learner@example.test").exists()  # nothing kept


def test_a_learner_linked_in_another_organisation_can_accept(login, org, other_org, program, run, learner):
    LearnerLink.objects.create(organisation=other_org, external_learner_id="ELSEWHERE", user=learner)
    _, token = invite(program, [run], email=learner.email)
    login(learner).post(link(token))
    assert Enrolment.objects.filter(user=learner, run=run).exists()


def test_a_new_account_signs_up_from_the_link_with_the_email_already_verified(client, program, run):
    _, token = invite(program, [run])
    client.get(link(token))
    response = client.post(
        reverse("account_signup") + "?" + f"next={link(token)}",
        {
            "email": "new.learner@example.test",
            "password1": "a-long-and-unusual-password-42",
            "password2": "a-long-and-unusual-password-42",
            "next": link(token),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == link(token)
    client.post(link(token))
    assert Enrolment.objects.filter(user__email="new.learner@example.test", run=run).exists()


def test_direct_enrolment_of_a_linked_learner_skips_the_invitation(
    login, org, learning_manager, degree, degree_run, degree_run2
):
    run, run2 = degree_run, degree_run2
    learner = make_user("linked@example.test")
    LearnerLink.objects.create(organisation=org, external_learner_id="S9", user=learner)
    client = login(learning_manager)
    url = reverse("programs:enrol", kwargs={"org_slug": org.slug, "program_id": degree.pk})
    assert client.post(url, {"external_learner_id": "S9", "runs": [run.pk]}).status_code == 302
    # More runs can be added later; the ones already enrolled are left alone.
    assert client.post(url, {"external_learner_id": "S9", "runs": [run.pk, run2.pk]}).status_code == 302
    assert {e.run for e in Enrolment.objects.filter(user=learner)} == {run, run2}
    assert set(Enrolment.objects.values_list("source", flat=True)) == {Enrolment.Source.DIRECT}
    response = client.post(url, {"external_learner_id": "S9", "runs": [run.pk]})
    assert "already enrolled on every chosen run" in response.content.decode()


def test_direct_enrolment_of_an_unlinked_learner_is_refused(login, org, learning_manager, degree, degree_run):
    url = reverse("programs:enrol", kwargs={"org_slug": org.slug, "program_id": degree.pk})
    response = login(learning_manager).post(url, {"external_learner_id": "NOPE", "runs": [degree_run.pk]})
    assert "not linked to an account yet" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_sign_up_page_is_prefilled_with_the_invited_email(client, program, run):
    _, token = invite(program, [run])
    client.get(link(token))
    page = client.get(reverse("account_signup"), {"next": link(token), "email": "new.learner@example.test"})
    assert 'value="new.learner@example.test"' in page.content.decode()


def test_the_invite_form_defaults_to_four_weeks_ahead_in_utc(login, org, learning_manager, program, run):
    from datetime import UTC, datetime

    page = login(learning_manager).get(
        reverse("programs:invite", kwargs={"org_slug": org.slug, "program_id": program.pk})
    )
    expected = (datetime.now(UTC) + timedelta(weeks=4)).strftime("%Y-%m-%d ")
    assert f'value="{expected}' in page.content.decode()
    assert "Invitation expiry (UTC)" in page.content.decode()


def test_an_account_with_another_email_is_told_and_may_add_the_address_or_sign_out(login, program, run, learner):
    _, token = invite(program, [run], email="new.learner@example.test")
    page = login(learner).get(link(token)).content.decode()
    assert "sent to <strong>new.learner@example.test</strong>, but you are signed in as" in page
    assert reverse("account_logout") in page
    assert "Add new.learner@example.test to my account and continue" in page
    assert "Accept and enrol" not in page


def test_the_invited_account_sees_no_warning(login, program, run, learner):
    _, token = invite(program, [run], email="Learner@Example.test")
    page = login(learner).get(link(token)).content.decode()
    assert "but you are signed in as" not in page


def test_signing_out_from_the_warning_returns_to_the_link(login, program, run, learner):
    _, token = invite(program, [run])
    response = login(learner).post(reverse("account_logout"), {"next": link(token)})
    assert response.status_code == 302 and response["Location"] == link(token)


def test_a_signed_out_post_to_the_link_enrols_nothing(client, program, run):
    invitation, token = invite(program, [run])
    response = client.post(link(token))
    assert response.status_code == 200 and b"Create an account" in response.content
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Enrolment.objects.exists() and not LearnerLink.objects.exists()


def test_an_invitation_past_its_expiry_is_refused_even_if_its_link_would_still_work(login, program, run, learner):
    # expires_at normally never outlives valid_until; an edit in the Django admin can make it.
    invitation, token = invite(program, [run])
    Invitation.objects.filter(pk=invitation.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    response = login(learner).post(link(token))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not Enrolment.objects.exists()
