import pytest
from django.conf import settings
from django.urls import reverse

from outbox.models import Email


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"]
)
def test_public_account_pages_render_in_the_layout(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'id="main"' in response.content.decode()


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_signed_in_account_pages_render(login, learner, name):
    response = login(learner).get(reverse(name))
    assert response.status_code == 200


def test_the_email_address_is_the_login(client, learner):
    from conftest import PASSWORD

    response = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("me")).status_code == 200


def test_password_reset_email_goes_through_the_outbox(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": learner.email})
    email = Email.objects.get(to=learner.email)
    assert email.kind == "account:password_reset_key"
    assert "/accounts/password/reset/key/" in email.body_text


def test_rate_limits_are_on():
    assert settings.ACCOUNT_RATE_LIMITS_ENABLED
    assert getattr(settings, "ACCOUNT_RATE_LIMITS", None) is not False


def test_a_user_can_add_another_email_address(login, learner, django_capture_on_commit_callbacks):
    client = login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "second@example.test"})
    assert response.status_code == 302
    assert Email.objects.filter(to="second@example.test", kind__startswith="account:").exists()


def test_an_account_keeps_several_addresses_when_another_one_is_confirmed(
    login, learner, django_capture_on_commit_callbacks
):
    """An address added by following a link stays when the person adds and confirms yet another one."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=learner, email="from-a-link@example.test", verified=True)
    client = login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "third@example.test"})
    body = Email.objects.get(to="third@example.test").body_text
    key = body.split("/accounts/confirm-email/")[1].split("/")[0]
    client.post(reverse("account_confirm_email", kwargs={"key": key}))
    assert set(EmailAddress.objects.filter(user=learner, verified=True).values_list("email", flat=True)) == {
        "learner@example.test",
        "from-a-link@example.test",
        "third@example.test",
    }
    page = client.get(reverse("account_email")).content.decode()
    assert "from-a-link@example.test" in page and "third@example.test" in page


@pytest.mark.parametrize(
    "earlier", ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]
)
def test_a_session_begun_under_an_earlier_backend_stays_signed_in_and_moves_to_the_one_backend(
    client, learner, earlier
):
    from django.contrib.auth import BACKEND_SESSION_KEY

    from learnerpass.accounts import BACKEND

    client.force_login(learner, backend=BACKEND)
    session = client.session
    session[BACKEND_SESSION_KEY] = earlier
    session.save()

    response = client.get(reverse("me"))

    assert response.status_code == 200 and response.context["user"] == learner
    assert client.session[BACKEND_SESSION_KEY] == BACKEND == settings.AUTHENTICATION_BACKENDS[0]


def test_the_signed_in_user_is_read_again_on_each_request_and_refused_once_inactive(client, learner):
    from learnerpass.accounts import BACKEND

    client.force_login(learner, backend=BACKEND)
    assert client.get(reverse("me")).status_code == 200
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    assert client.get(reverse("me")).status_code == 302  # to the sign-in page


def test_the_admin_signs_in_with_the_email_as_username(client, db):
    from conftest import PASSWORD, make_user

    make_user("root@example.test", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "root@example.test", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
    assert (
        client.post(reverse("admin:login"), {"username": "root@example.test", "password": "wrong"}).status_code == 200
    )
