from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import Email
from outbox.services import render_email
from programs import services
from programs.models import Enrolment, Invitation
from programs.tests.conftest import future
from programs.tests.helpers import invite


def invite_url(org, program):
    return reverse("programs:invite", kwargs={"org_slug": org.slug, "program_id": program.pk})


def post_invite(client, org, program, runs, **overrides):
    data = {
        "external_learner_id": " S001 ",
        "email": "New.Learner@Example.TEST",
        "runs": [r.pk for r in runs],
        "valid_until": future(10).strftime("%Y-%m-%d %H:%M:%S"),
        **overrides,
    }
    return client.post(invite_url(org, program), data)


def test_learning_manager_invites_a_learner_and_sees_the_link_to_copy(login, org, learning_manager, program, run, run2):
    client = login(learning_manager)
    response = post_invite(client, org, program, [run, run2])
    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert invitation.external_learner_id == "S001"
    assert invitation.email == "new.learner@example.test"
    assert set(invitation.runs.all()) == {run, run2}
    assert invitation.created_by == learning_manager
    email = Email.objects.get(ref_type="programs.invitation", ref_id=invitation.pk)
    assert email.to == "new.learner@example.test"
    subject, text, html = render_email(email)
    assert "Data literacy" in subject
    assert email.context["url"] in text and email.context["url"] in html
    assert "2026-SPRING" in text and "2026-AUTUMN" in html
    # The learner reads when each run takes place.
    assert "2026-SPRING (2026-03-01 – 2026-06-30)" in text and "(2026-03-01 – 2026-06-30)" in html
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert email.context["url"] in page.content.decode()
    assert b"Acceptance link" in page.content and b"no account yet" in page.content


def test_the_link_lasts_four_weeks_at_most(learning_manager, program, run):
    far = timezone.now() + timedelta(days=90)
    invitation = services.invitation_create(
        program=program, runs=[run], external_learner_id="S1", email="a@b.test", valid_until=far, created_by=None
    )
    assert invitation.valid_until == far
    assert invitation.expires_at <= timezone.now() + timedelta(weeks=4)
    soon = future(3)
    invitation = services.invitation_create(
        program=program, runs=[run], external_learner_id="S2", email="c@b.test", valid_until=soon, created_by=None
    )
    assert invitation.expires_at == soon


def test_the_page_hides_the_link_when_the_learner_id_is_linked_already(
    login, org, learning_manager, program, run, linked_learner
):
    client = login(learning_manager)
    response = post_invite(client, org, program, [run], external_learner_id="S-LINKED", email=linked_learner.email)
    page = client.get(response["Location"])
    assert b"Acceptance link" not in page.content
    # The organiser sees which account the ID belongs to, and so notices a wrong one.
    assert page.context["linked"] == linked_learner.email and linked_learner.email in page.content.decode()
    assert Email.objects.filter(to=linked_learner.email).count() == 1


def test_an_invitation_already_pending_for_that_learner_and_run_is_refused(login, org, learning_manager, program, run):
    client = login(learning_manager)
    post_invite(client, org, program, [run])
    response = post_invite(client, org, program, [run])
    assert response.status_code == 200
    assert "A pending invitation for this learner and 2026-SPRING exists already" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_already_enrolled_learner_is_refused(login, org, learning_manager, program, run, linked_learner):
    Enrolment.objects.create(
        organisation=org, run=run, user=linked_learner, external_learner_id="S-LINKED", source="direct"
    )
    response = post_invite(
        login(learning_manager), org, program, [run], external_learner_id="S-LINKED", email=linked_learner.email
    )
    assert "already enrolled on 2026-SPRING" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_expiry_in_the_past_is_refused(login, org, learning_manager, program, run):
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    response = post_invite(login(learning_manager), org, program, [run], valid_until=past)
    assert "The expiry must be in the future." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_closed_run_cannot_be_chosen(login, org, learning_manager, program, closed_run):
    response = post_invite(login(learning_manager), org, program, [closed_run])
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    with pytest.raises(services.ProgramsError, match="closed"):
        services.invitation_create(
            program=program,
            runs=[closed_run],
            external_learner_id="S1",
            email="a@b.test",
            valid_until=future(),
            created_by=None,
        )


def test_a_run_of_another_program_is_refused(program, other_program):
    from programs.tests.conftest import make_run

    foreign = make_run(other_program, "X1")
    with pytest.raises(services.ProgramsError, match="not a run of this program"):
        services.invitation_create(
            program=program,
            runs=[foreign],
            external_learner_id="S1",
            email="a@b.test",
            valid_until=future(),
            created_by=None,
        )


def test_an_email_other_than_the_linked_accounts_is_refused(program, run, linked_learner):
    with pytest.raises(services.ProgramsError, match="another email"):
        services.invitation_create(
            program=program,
            runs=[run],
            external_learner_id="S-LINKED",
            email="someone.else@example.test",
            valid_until=future(),
            created_by=None,
        )


def test_a_program_learner_admin_invites_to_their_program_only(login, org, program_admin, program, run, other_program):
    client = login(program_admin)
    assert post_invite(client, org, program, [run]).status_code == 302
    assert client.get(invite_url(org, other_program)).status_code == 403


def test_an_organiser_without_the_role_gets_403(login, org, organiser, program):
    assert login(organiser).get(invite_url(org, program)).status_code == 403


def test_an_outsider_gets_404(login, org, outsider, program):
    assert login(outsider).get(invite_url(org, program)).status_code == 404


def test_the_email_of_an_account_linked_under_another_learner_id_is_refused(program, run, linked_learner):
    with pytest.raises(services.ProgramsError, match="belongs to the account of learner ID S-LINKED"):
        services.invitation_create(
            program=program,
            runs=[run],
            external_learner_id="S-NEW",
            email=linked_learner.email.upper(),
            valid_until=future(),
            created_by=None,
        )


def test_an_email_pending_for_another_learner_id_is_refused(program, run, run2):
    invite(program, [run], ext="S1", email="one@example.test")
    with pytest.raises(services.ProgramsError, match="A pending invitation to one@example.test is for learner ID S1"):
        invite(program, [run2], ext="S2", email="One@example.test")


def test_the_expiry_field_shows_utc_as_text_not_the_browsers_local_widget(login, org, learning_manager, program, run):
    page = login(learning_manager).get(invite_url(org, program)).content.decode()
    assert 'type="datetime-local"' not in page
    assert 'placeholder="YYYY-MM-DD HH:MM:SS"' in page
    initial = (timezone.now() + services.DEFAULT_VALIDITY).astimezone(UTC)
    assert f'value="{initial:%Y-%m-%d %H:}' in page
    assert "In UTC, as YYYY-MM-DD HH:MM:SS" in page


@pytest.mark.parametrize("typed", ["2031-05-06 07:08:09", "2031-05-06 07:08", " 2031-05-06 07:08:09 "])
def test_the_typed_expiry_is_read_as_utc(login, org, learning_manager, program, run, settings, typed):
    settings.TIME_ZONE = "America/New_York"
    response = post_invite(login(learning_manager), org, program, [run], valid_until=typed)
    assert response.status_code == 302
    expected = datetime(2031, 5, 6, 7, 8, 9 if typed.count(":") == 2 else 0, tzinfo=UTC)
    assert Invitation.objects.get().valid_until == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12/30/2031, 04:37 AM", "Write the time as YYYY-MM-DD HH:MM:SS (UTC)."),
        ("2031-02-30 10:00:00", "The date 2031-02-30 does not exist."),
        ("2031-13-01 10:00", "The date 2031-13-01 does not exist."),
        ("2031-01-01 24:00:00", "The time 24:00:00 does not exist."),
        ("", "This field is required."),
    ],
)
def test_an_expiry_that_is_not_a_utc_time_says_what_is_wrong(
    login, org, learning_manager, program, run, typed, message
):
    response = post_invite(login(learning_manager), org, program, [run], valid_until=typed)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
