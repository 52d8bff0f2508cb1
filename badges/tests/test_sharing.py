"""Sharing a badge outside: link previews (Open Graph and Twitter cards with a PNG image), LinkedIn's
add-to-profile link, and the holder's choice to show their name on the share page."""

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from badges import ob, services, sharing
from badges.models import Assertion
from badges.tests.conftest import publish_activity
from conftest import make_user


@pytest.fixture
def held(badge, learner):
    return services.badge_link_claim(code=badge.link.code, user=learner).assertion


def meta_tags(html: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<meta [^>]+>", html):
        key = re.search(r'(?:property|name)="([^"]+)"', tag)
        value = re.search(r'content="([^"]*)"', tag)
        if key and value:
            found[key.group(1)] = value.group(1)
    return found


def test_the_share_page_carries_open_graph_and_twitter_card_tags(client, held):
    page = client.get(held.get_absolute_url()).content.decode()

    tags = meta_tags(page)
    image = f"http://testserver/ob/badges/{held.badge.public_id}/image.png"
    assert tags["og:title"] == tags["twitter:title"] == "Forest first aid"
    assert tags["og:description"] == tags["twitter:description"]
    assert tags["og:description"].startswith("An Open Badge issued by Acme Learning. Forest first aid: a day outdoors.")
    assert tags["og:image"] == tags["twitter:image"] == image
    assert tags["og:image:type"] == "image/png"
    assert tags["og:url"] == ob.assertion_url(held)
    assert tags["twitter:card"] == "summary"
    assert tags["og:image:alt"] == "Badge: Forest first aid"


def test_the_preview_names_the_holder_only_when_they_chose_to(client, held, learner):
    services.assertion_set_name(assertion=held, user=learner, show=True, name="Ana López")

    tags = meta_tags(client.get(held.get_absolute_url()).content.decode())

    assert tags["og:description"].startswith("Ana López earned this Open Badge from Acme Learning.")


def test_a_revoked_badge_previews_as_revoked(client, held, organiser):
    services.assertion_revoke(assertion=held, reason="Mistake.", user=organiser)

    tags = meta_tags(client.get(held.get_absolute_url()).content.decode())

    assert tags["og:description"].startswith("Revoked by Acme Learning.")


def test_markup_in_the_badge_text_is_escaped_in_the_tags(client, org, organiser, learner):
    badge = publish_activity(org, organiser, title='Knots "&" <b>ropes</b>').badge
    assertion = services.badge_link_claim(code=badge.link.code, user=learner).assertion

    page = client.get(assertion.get_absolute_url()).content.decode()

    assert '<meta property="og:title" content="Knots &quot;&amp;&quot; &lt;b&gt;ropes&lt;/b&gt;">' in page


def test_the_preview_image_is_a_png_even_for_an_svg_badge(client, held):
    response = client.get(reverse("badges:badge_image_png", kwargs={"public_id": held.badge.public_id}))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (400, 400)


def test_the_preview_image_is_drawn_again_when_the_badge_changes(client, held, organiser):
    url = reverse("badges:badge_image_png", kwargs={"public_id": held.badge.public_id})
    before = client.get(url).content

    services.badge_update(badge=held.badge, user=organiser, name="Renamed badge", description="d", criteria="c")

    assert client.get(url).content != before


def test_an_unknown_badge_has_no_preview_image(client, db):
    assert client.get(reverse("badges:badge_image_png", kwargs={"public_id": "nope"})).status_code == 404


def test_the_linkedin_link_follows_linkedins_add_to_profile_format(held, organiser):
    held.expires = held.issued_on + timedelta(days=400)

    url = sharing.linkedin_add_url(held)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Forest first aid",
        "organizationName": "Acme Learning",
        "issueYear": str(held.issued_on.year),
        "issueMonth": str(held.issued_on.month),
        "expirationYear": str(held.expires.year),
        "expirationMonth": str(held.expires.month),
        "certUrl": ob.assertion_url(held),
        "certId": held.public_id,
    }


def test_the_holder_sees_the_add_to_linkedin_button_and_others_do_not(client, login, held, learner):
    assert "Add to LinkedIn profile" not in client.get(held.get_absolute_url()).content.decode()

    page = login(learner).get(held.get_absolute_url()).content.decode()

    assert "Add to LinkedIn profile" in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&amp;name=Forest+first+aid" in page


def test_a_revoked_badge_offers_no_linkedin_button(login, held, organiser, learner):
    services.assertion_revoke(assertion=held, reason="Mistake.", user=organiser)

    assert "Add to LinkedIn profile" not in login(learner).get(held.get_absolute_url()).content.decode()


def name_url(assertion):
    return reverse("badges:name_visibility", kwargs={"public_id": assertion.public_id})


def test_the_holder_chooses_to_show_their_name_and_to_hide_it_again(login, held, learner):
    holder = login(learner)
    client = Client()  # anyone else

    shown = holder.post(name_url(held), {"show": "on", "name": "  Ana   López "}, follow=True).content.decode()
    assert "Your name is now shown on this page." in shown
    assert "Awarded to" in client.get(held.get_absolute_url()).content.decode()
    assert "Ana López" in client.get(held.get_absolute_url()).content.decode()

    hidden = holder.post(name_url(held), {"name": "Ana López"}, follow=True).content.decode()
    assert "Your name is no longer shown on this page." in hidden
    public = client.get(held.get_absolute_url()).content.decode()
    assert "Ana López" not in public and "Awarded to" not in public
    held.refresh_from_db()
    assert (held.show_name, held.holder_name) == (False, "Ana López")


def test_the_name_is_never_in_the_open_badges_document(client, held, learner):
    services.assertion_set_name(assertion=held, user=learner, show=True, name="Ana López")

    document = client.get(f"/ob/assertions/{held.public_id}.json").content.decode()

    assert "Ana" not in document


def test_showing_an_empty_name_is_refused_and_changes_nothing(login, held, learner):
    page = login(learner).post(name_url(held), {"show": "on", "name": "   "}, follow=True).content.decode()

    assert "Write the name to show." in page
    held.refresh_from_db()
    assert held.show_name is False


def test_a_too_long_name_is_refused(login, held, learner):
    login(learner).post(name_url(held), {"show": "on", "name": "x" * 201})

    held.refresh_from_db()
    assert held.show_name is False and held.holder_name == ""


def test_only_the_holder_changes_the_name(login, held, other_learner):
    response = login(other_learner).post(name_url(held), {"show": "on", "name": "Someone else"})

    assert response.status_code == 404
    with pytest.raises(services.BadgesError, match="Only the holder"):
        services.assertion_set_name(assertion=held, user=other_learner, show=True, name="x")


def test_changing_the_name_needs_a_signed_in_post(client, login, held, learner):
    assert client.post(name_url(held), {"show": "on", "name": "x"}).status_code == 302
    assert login(learner).get(name_url(held)).status_code == 405


def test_the_name_field_starts_with_the_account_name(login, held):
    held.recipient.first_name, held.recipient.last_name = "Ana", "López"
    held.recipient.save()

    page = login(held.recipient).get(held.get_absolute_url()).content.decode()

    assert 'value="Ana López"' in page


def test_a_badge_issued_to_an_address_without_account_has_no_holder_controls(client, badge, organiser):
    services.badge_issue_to_emails(badge=badge, text="someone@example.test", issued_by=organiser)
    assertion = Assertion.objects.get()
    make_user("visitor@example.test")

    page = client.get(assertion.get_absolute_url()).content.decode()

    assert "Your name on this page" not in page and "Add to LinkedIn profile" not in page
