"""Badge names reach download names: control characters are refused at input, and any stored name downloads."""

import pytest
from django.urls import reverse
from django.utils.http import parse_header_parameters

from badges import services
from badges.models import Activity, Assertion, BadgeClass, Playlist

LONG_EMAIL = "a" * 250 + "@example.test"  # within Django's validator (320), beyond the column (254)


def issued(badge, organiser, email="ana@example.test") -> Assertion:
    services.badge_issue_to_emails(badge=badge, text=email, issued_by=organiser)
    return Assertion.objects.get(badge=badge, recipient_email=email)


def image_download(client, assertion):
    return client.get(reverse("badges:assertion_image", kwargs={"public_id": assertion.public_id}), {"download": "1"})


def test_a_stored_badge_name_with_a_newline_still_downloads_its_baked_image(client, badge, organiser):
    """It was a 500 (BadHeaderError) on the public download, for anyone."""
    BadgeClass.objects.filter(pk=badge.pk).update(name="Forest\nfirst aid")
    response = image_download(client, issued(badge, organiser))
    assert response.status_code == 200
    disposition, params = parse_header_parameters(response["Content-Disposition"])
    assert disposition == "attachment" and params == {"filename": "Forest first aid-badge.svg"}


def test_a_non_ascii_badge_name_downloads_under_its_own_name(client, badge, organiser):
    """It gave a garbled =?utf-8?b?…?= header, so browsers showed the image with no name."""
    BadgeClass.objects.filter(pk=badge.pk).update(name="Éducation à l'environnement")
    response = image_download(client, issued(badge, organiser))
    value = response["Content-Disposition"]
    assert "=?utf-8?" not in value
    assert value == "attachment; filename*=utf-8''%C3%89ducation%20%C3%A0%20l%27environnement-badge.svg"


def test_a_badge_name_cannot_inject_a_header_parameter(client, badge, organiser):
    BadgeClass.objects.filter(pk=badge.pk).update(name="""x"; filename*=UTF-8''evil.html; a=\"""")
    response = image_download(client, issued(badge, organiser))
    assert list(parse_header_parameters(response["Content-Disposition"])[1]) == ["filename"]


def test_the_qr_code_download_goes_through_the_same_helper(login, org, organiser, badge):
    response = login(organiser).get(
        reverse("badges:badge_qr", kwargs={"org_slug": org.slug, "public_id": badge.public_id, "kind": "png"})
    )
    assert response["Content-Disposition"] == f'attachment; filename="badge-qr-{badge.public_id}.png"'


CONTROL = "Remove the line breaks, tabs and other control characters."


def test_a_badge_name_with_a_line_break_is_refused(login, org, organiser, badge):
    url = reverse("badges:badge_edit", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    response = login(organiser).post(url, {"name": "Forest\r\nfirst aid", "description": "d", "criteria": "c"})
    assert CONTROL in response.content.decode()
    badge.refresh_from_db()
    assert badge.name == "Forest first aid"


def test_activity_and_playlist_titles_with_control_characters_are_refused(login, org, organiser):
    client = login(organiser)
    response = client.post(
        reverse("badges:activity_create", kwargs={"org_slug": org.slug}),
        {"title": "River\tsafety", "description": "d", "criteria": "c"},
    )
    assert CONTROL in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post(
        reverse("badges:playlist_create", kwargs={"org_slug": org.slug}),
        {"title": "Outdoor\nleader", "description": "d", "rule": "all"},
    )
    assert CONTROL in response.content.decode()
    assert not Playlist.objects.exists()


def test_a_pasted_address_longer_than_the_column_is_named_invalid_and_nothing_fails(badge, organiser):
    report = services.badge_issue_to_emails(badge=badge, text=f"{LONG_EMAIL}\nok@example.test", issued_by=organiser)
    assert report.invalid == [LONG_EMAIL]
    assert list(Assertion.objects.values_list("recipient_email", flat=True)) == ["ok@example.test"]


@pytest.mark.parametrize("text", [LONG_EMAIL])
def test_the_issue_form_reports_the_long_address(login, org, organiser, badge, text):
    url = reverse("badges:badge_issue", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    response = login(organiser).post(url, {"emails": text}, follow=True)
    assert response.status_code == 200
    assert not Assertion.objects.exists()
