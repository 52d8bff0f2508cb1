import re

import pytest
from django.urls import reverse

from programs.models import Invitation
from programs.tests.helpers import invite, token_of


def action_url(name, org, invitation):
    return reverse(
        f"programs:invitation_{name}",
        kwargs={"org_slug": org.slug, "program_id": invitation.program_id, "invitation_id": invitation.pk},
    )


def test_resend_issues_a_fresh_link_and_kills_the_old_one(client, login, org, learning_manager, program, run):
    invitation, old = invite(program, [run])
    response = login(learning_manager).post(action_url("resend", org, invitation))
    assert response.status_code == 302
    new = token_of(invitation)
    assert new != old
    invitation.refresh_from_db()
    assert invitation.resent_by == learning_manager and invitation.resent_at
    client.logout()
    assert client.get(reverse("programs:invitation", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("programs:invitation", kwargs={"token": new})).status_code == 200


def test_cancel_records_who_and_when_and_the_link_shows_an_error(client, login, org, learning_manager, program, run):
    invitation, token = invite(program, [run])
    login(learning_manager).post(action_url("cancel", org, invitation))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELED
    assert invitation.canceled_by == learning_manager and invitation.canceled_at
    detail = login(learning_manager).get(action_url("detail", org, invitation)).content.decode()
    assert "Canceled" in detail and "manager@acme.test" in detail
    client.logout()
    response = client.get(reverse("programs:invitation", kwargs={"token": token}))
    assert response.status_code == 410
    assert "This invitation was canceled" in response.content.decode()


def test_canceling_twice_says_it_is_no_longer_pending(login, org, learning_manager, program, run):
    invitation, _ = invite(program, [run])
    client = login(learning_manager)
    client.post(action_url("cancel", org, invitation))
    response = client.post(action_url("cancel", org, invitation), follow=True)
    assert "no longer pending" in response.content.decode()


def test_a_canceled_invitation_cannot_be_resent(login, org, learning_manager, program, run):
    invitation, token = invite(program, [run])
    client = login(learning_manager)
    client.post(action_url("cancel", org, invitation))
    response = client.post(action_url("resend", org, invitation), follow=True)
    assert "Only a pending invitation can be sent again." in response.content.decode()
    assert token_of(invitation) == token


@pytest.mark.parametrize("name", ["resend", "cancel"])
def test_get_on_a_mutation_is_405(login, org, learning_manager, program, run, name):
    invitation, _ = invite(program, [run])
    assert login(learning_manager).get(action_url(name, org, invitation)).status_code == 405


@pytest.mark.parametrize("name", ["resend", "cancel"])
def test_outsider_gets_404_and_organiser_403(login, org, outsider, organiser, program, run, name):
    invitation, _ = invite(program, [run])
    assert login(outsider).post(action_url(name, org, invitation)).status_code == 404
    assert login(organiser).post(action_url(name, org, invitation)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_an_invitation_of_another_organisation_is_404(login, org, other_org, learning_manager, run):
    from programs.tests.conftest import make_program, make_run

    foreign_program = make_program(other_org)
    invitation, _ = invite(foreign_program, [make_run(foreign_program)])
    url = reverse(
        "programs:invitation_cancel",
        kwargs={"org_slug": org.slug, "program_id": foreign_program.pk, "invitation_id": invitation.pk},
    )
    assert login(learning_manager).post(url).status_code == 404


def test_an_expired_invitation_cannot_be_resent(login, org, learning_manager, program, run):
    from datetime import timedelta

    from django.utils import timezone

    invitation, token = invite(program, [run])
    Invitation.objects.filter(pk=invitation.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    response = login(learning_manager).post(action_url("resend", org, invitation), follow=True)
    assert "Only a pending invitation can be sent again." in response.content.decode()
    assert token_of(invitation) == token


def test_the_invitations_tab_says_when_a_link_has_expired_but_the_invitation_has_not(
    login, org, learning_manager, program, run
):
    from datetime import timedelta

    from django.utils import timezone

    invitation, _ = invite(program, [run], days=60)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("programs:run_invitations", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": run.pk})
    page = login(learning_manager).get(url).content.decode()
    assert "link expired: resend" in page and "Copy link" not in page


def test_an_expired_invitation_offers_to_invite_again_with_the_form_filled_in(
    login, org, learning_manager, program, run, run2
):
    from datetime import timedelta

    from django.utils import timezone

    invitation, _ = invite(program, [run, run2], ext="S-OLD", email="late@example.test")
    Invitation.objects.filter(pk=invitation.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    client = login(learning_manager)
    tab = reverse("programs:run_invitations", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": run.pk})
    page = client.get(tab).content.decode()
    invite_url = reverse("programs:invite", kwargs={"org_slug": org.slug, "program_id": program.pk})
    href = (
        re.search(r'href="(' + re.escape(invite_url) + r'\?external_learner_id=[^"]+)"', page)
        .group(1)
        .replace("&amp;", "&")
    )
    assert "Invite again" in page
    form = client.get(href).context["form"]
    assert form.initial["external_learner_id"] == "S-OLD" and form.initial["email"] == "late@example.test"
    assert sorted(form.initial["runs"]) == sorted([str(run.pk), str(run2.pk)])
    assert Invitation.objects.count() == 1  # opening the form sends nothing


def test_a_pending_invitation_is_not_offered_to_invite_again(login, org, learning_manager, program, run):
    invitation, _ = invite(program, [run])
    page = login(learning_manager).get(
        reverse(
            "programs:invitation_detail",
            kwargs={"org_slug": org.slug, "program_id": program.pk, "invitation_id": invitation.pk},
        )
    )
    assert "Invite again" not in page.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/o/acme/", "/o/acme//evil.example/", "/o/other/programs/"])
def test_after_an_action_only_a_page_of_the_same_organisation_is_followed(
    login, org, learning_manager, program, run, target
):
    invitation, _ = invite(program, [run])
    response = login(learning_manager).post(action_url("resend", org, invitation), {"next": target})
    assert response["Location"] == action_url("detail", org, invitation)


def test_after_an_action_the_list_it_came_from_is_shown_again(login, org, learning_manager, program, run):
    invitation, _ = invite(program, [run])
    back = reverse(
        "programs:run_invitations", kwargs={"org_slug": org.slug, "program_id": program.pk, "run_id": run.pk}
    )
    response = login(learning_manager).post(action_url("cancel", org, invitation), {"next": back + "?status=pending"})
    assert response["Location"] == back + "?status=pending"
