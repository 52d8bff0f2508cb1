"""Issue 5's story: an organiser publishes an activity and turns its link on; a learner follows it,
submits evidence, the organiser is emailed and approves, and the learner's badge is on /me/ and verifies publicly."""

import pytest
from playwright.sync_api import expect

from badges import services
from badges.models import Assertion
from badges.tests.conftest import publish_activity
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import email_links, sign_in, sign_out, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_publishes_a_badge_and_a_learner_earns_it_with_evidence(page, live_url):
    org = Organisation.objects.create(name="River Youth Centre", slug="river", contact_email="hello@river.test")
    make_member(org, "organiser@river.test", Role.ORGANISER)
    make_user("learner@river.test")

    # The organiser creates and publishes an activity, adds a task and turns the badge's link on.
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/")
    page.get_by_role("link", name="Activities & badges").click()
    page.get_by_role("link", name="New activity").click()
    page.get_by_label("Title").fill("Forest first aid")
    page.get_by_label("Description").fill("A day in the woods learning first aid.")
    page.get_by_label("Place").fill("Lyon")
    page.get_by_role("button", name="Save activity").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Its badge is ready")).to_be_visible()
    page.get_by_role("link", name="Badges", exact=True).click()
    expect(page.get_by_role("heading", name="Issue badge")).to_be_visible()
    page.get_by_text("Add a task").click()
    page.get_by_label("Title").fill("Describe the scenario you solved")
    page.get_by_label("Evidence*", exact=True).select_option("text")
    page.get_by_label("Approval*", exact=True).select_option("organiser")
    page.get_by_role("button", name="Add task").click()
    expect(page.get_by_text("Task added.")).to_be_visible()
    page.get_by_label("Link is on").check()
    page.get_by_role("button", name="Save link settings").click()
    expect(page.get_by_text("The link is on.")).to_be_visible()
    claim_url = page.get_by_label("Link", exact=True).input_value()
    assert claim_url.startswith(f"{live_url}/badges/claim/")
    sign_out(page, live_url)

    # The learner follows the link, signs in, starts the quest and submits evidence.
    page.goto(claim_url)
    expect(page.get_by_role("heading", name="Forest first aid")).to_be_visible()
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill("learner@river.test")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Start this badge").click()
    expect(page.get_by_text("You started this badge")).to_be_visible()
    page.get_by_label("Your evidence").fill("I stopped the bleeding and called for help.")
    page.get_by_role("button", name="Submit evidence").click()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    sign_out(page, live_url)

    # The organiser is emailed that evidence waits, follows the email to the queue and approves it.
    (queue_url,) = [link for link in email_links("organiser@river.test") if "/o/river/evidence/" in link]
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(queue_url)
    expect(page.get_by_text("I stopped the bleeding and called for help.")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Evidence approved.")).to_be_visible()
    sign_out(page, live_url)

    # The learner sees the badge on /me/; its public page verifies, and so does its JSON.
    sign_in(page, live_url, "learner@river.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    badges = page.locator("section", has=page.locator("#me-badges"))
    expect(badges.get_by_role("link", name="Forest first aid")).to_be_visible()
    expect(badges.get_by_text("River Youth Centre")).to_be_visible()
    badges.get_by_role("link", name="Share page").click()
    expect(page.get_by_text("Verified.")).to_be_visible()
    expect(page.get_by_text("I stopped the bleeding and called for help.")).to_be_visible()
    assertion = Assertion.objects.get()
    answer = page.request.get(
        f"{live_url}/ob/assertions/{assertion.public_id}", headers={"Accept": "application/ld+json"}
    )
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/ld+json"
    assert answer.json()["evidence"][0]["narrative"] == "I stopped the bleeding and called for help."
    image = page.request.get(answer.json()["image"])
    assert image.status == 200 and image.body().startswith(b"<svg")


def test_a_newcomer_claims_an_emailed_badge_into_a_new_account(page, live_url):
    org = Organisation.objects.create(name="River Youth Centre", slug="river", contact_email="hello@river.test")
    organiser = make_member(org, "organiser@river.test", Role.ORGANISER)
    badge = publish_activity(org, organiser, title="Night hike").badge
    services.badge_issue_to_emails(badge=badge, text="newcomer@example.test", issued_by=organiser)

    (accept_url,) = [link for link in email_links("newcomer@example.test") if "/badges/accept/" in link]
    page.goto(accept_url)
    expect(page.get_by_role("heading", name="Night hike")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("Email")).to_have_value("newcomer@example.test")
    sign_up(page, None, None, PASSWORD)
    page.get_by_role("button", name="Add to my account").click()

    expect(page.get_by_text("is now in your account")).to_be_visible()
    badges = page.locator("section", has=page.locator("#me-badges"))
    expect(badges.get_by_role("link", name="Night hike")).to_be_visible()
    assert Assertion.objects.get().recipient.email == "newcomer@example.test"
