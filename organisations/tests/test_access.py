import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_signed_out_user_is_sent_to_sign_in(client, org):
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_non_member_gets_404(login, org, outsider):
    response = login(outsider).get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 404


def test_member_sees_home(login, org, organiser):
    response = login(organiser).get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 200
    assert b"Acme Learning" in response.content


def test_too_small_role_gets_403(login, org, organiser):
    response = login(organiser).get(reverse("organisations:members", kwargs={"org_slug": org.slug}))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/o/acme/projects/3/", "/o/acme/projects/3/"),
        ("/o/other/projects/3/", "/fallback/"),
        ("https://evil.example/o/acme/", "/fallback/"),
        ("/o/acme/..//evil.example", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_redirect_back_stays_inside_the_organisation(rf, org, target, expected):
    from django.shortcuts import redirect

    from organisations.access import redirect_back

    request = rf.post("/", {"next": target})
    request.org = org
    assert redirect_back(request, redirect("/fallback/"))["Location"] == expected
