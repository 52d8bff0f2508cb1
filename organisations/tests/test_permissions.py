"""Every organiser URL of this app × every role: signed out → sign-in, outsider → 404, small role → 403."""

import pytest
from django.urls import reverse

from organisations.models import MemberInvitation, Membership, Role

ADMIN_ONLY = {
    "settings",
    "members",
    "member_invite",
    "member_role",
    "member_remove",
    "invitation_resend",
    "invitation_cancel",
}
POST_ONLY = {"member_invite", "member_role", "member_remove", "invitation_resend", "invitation_cancel"}


@pytest.fixture
def targets(org, org_admin):
    invitation = MemberInvitation.objects.create(
        organisation=org, email="x@example.test", role=Role.ORGANISER, expires_at="2999-01-01T00:00:00Z", token_hash="h"
    )
    membership = Membership.objects.get(user=org_admin)
    return {
        "home": {},
        "settings": {},
        "members": {},
        "member_invite": {},
        "member_role": {"pk": membership.pk},
        "member_remove": {"pk": membership.pk},
        "invitation_resend": {"pk": invitation.pk},
        "invitation_cancel": {"pk": invitation.pk},
    }


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "settings",
        "members",
        "member_invite",
        "member_role",
        "member_remove",
        "invitation_resend",
        "invitation_cancel",
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "organiser", "learning_manager", "learner"])
def test_role_matrix(request, client, org, targets, name, who):
    path = reverse(f"organisations:{name}", kwargs={"org_slug": org.slug, **targets[name]})
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    method = client.post if name in POST_ONLY else client.get
    response = method(path)
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in {"outsider", "learner"}:
        assert response.status_code == 404
    elif name in ADMIN_ONLY:
        assert response.status_code == 403
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_mutations_refuse_get(login, org, org_admin, targets, name):
    path = reverse(f"organisations:{name}", kwargs={"org_slug": org.slug, **targets[name]})
    assert login(org_admin).get(path).status_code == 405
