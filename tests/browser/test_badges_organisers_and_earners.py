"""Issue 12 in a real browser: what organisers and earners do with playlists, links, QR codes, tasks,
expiry, alignment, tags, revocation, sharing and numbers. Every badges page visited is checked with
axe-core (no serious or critical violation) and at a phone's width (no sideways scrolling)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from badges import services
from badges.models import Activity, Assertion, BadgeClass, PendingLinkClaim, Task
from badges.tests.conftest import add_task, publish_activity
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    open_latest_email,
    sign_in,
    sign_out,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def check(page) -> None:
    """The page as it is now: accessible, and usable on a phone; then back to a desktop width."""
    page.wait_for_load_state()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def river(db):
    org = Organisation.objects.create(name="River Youth Centre", slug="river", contact_email="hello@river.test")
    organiser = make_member(org, "organiser@river.test", Role.ORGANISER)
    return org, organiser


def test_an_organiser_publishes_a_playlist_that_a_learner_already_completed_and_unpublishes_a_needed_activity(
    page, live_url, river
):
    org, organiser = river
    knots = publish_activity(org, organiser, title="Knots", start_date=timezone.now().date() + timedelta(days=3))
    ropes = publish_activity(org, organiser, title="Ropes")
    learner = make_user("learner@river.test")
    for activity in (knots, ropes):
        services.badge_link_claim(code=activity.badge.link.code, user=learner)

    # The organiser makes a playlist of both and publishes it: the learner who holds both gets its badge.
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/activities/")
    check(page)
    page.get_by_role("link", name="New playlist").click()
    page.get_by_label("Title").fill("Rope master")
    page.get_by_label("Knots").check()
    page.get_by_label("Ropes").check()
    check(page)
    page.get_by_role("button", name="Save playlist").click()
    expect(page.get_by_text("Playlist created.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Its badge was issued to 1 person who had already completed it.")).to_be_visible()
    check(page)
    playlist_badge = BadgeClass.objects.get(playlist__title="Rope master")
    assert Assertion.objects.get(badge=playlist_badge).recipient == learner

    # Unpublishing an activity the playlist needs asks first, naming the playlist.
    page.goto(f"{live_url}/o/river/activities/{ropes.pk}/")
    expect(page.get_by_text("The published playlist “Rope master” needs this activity.")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Unpublish and take it out of the playlist").click()
    expect(page.get_by_text("It was taken out of the playlist “Rope master”.")).to_be_visible()
    assert Activity.objects.get(pk=ropes.pk).status == "unpublished"
    assert list(playlist_badge.playlist.items.values_list("activity__title", flat=True)) == ["Knots"]

    # The history of the playlist's badge has the count.
    page.goto(f"{live_url}/o/river/badges/{playlist_badge.public_id}/")
    expect(page.get_by_text("1 person who had already completed the playlist")).to_be_visible()
    sign_out(page, live_url)

    # The learner sees the completed playlist on /me/.
    sign_in(page, live_url, "learner@river.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    expect(page.get_by_text("Rope master").first).to_be_visible()
    expect(page.get_by_text("Completed").first).to_be_visible()
    check(page)


def test_a_badge_link_is_on_from_the_start_and_its_qr_code_goes_when_it_is_off(page, live_url, river):
    org, _organiser = river
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/activities/new/")
    page.get_by_label("Title").fill("Night hike")
    page.get_by_label("Description").fill("A walk under the stars.")
    check(page)
    page.get_by_role("button", name="Save activity").click()
    page.get_by_role("button", name="Publish").click()
    check(page)
    page.get_by_role("link", name="Badges", exact=True).click()

    expect(page.get_by_text("The link is on.")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the badge link")).to_be_visible()
    expect(page.get_by_role("link", name="Download PNG")).to_be_visible()
    check(page)

    page.get_by_label("Link is on").uncheck()
    page.get_by_role("button", name="Save link settings").click()
    expect(page.get_by_text("Link settings saved.")).to_be_visible()
    expect(page.get_by_text("The QR code is offered while the link works.")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the badge link")).to_have_count(0)
    expect(page.get_by_role("link", name="Download PNG")).to_have_count(0)
    badge = BadgeClass.objects.get(activity__title="Night hike")
    answer = page.request.get(f"{live_url}/o/river/badges/{badge.public_id}/qr.png")
    assert answer.status == 404


def test_a_qr_claim_started_on_a_phone_continues_after_confirming_on_a_laptop(browser, live_url, river):
    org, organiser = river
    badge = publish_activity(org, organiser, title="Campfire safety").badge
    claim_url = f"{live_url}/badges/claim/{badge.link.code}/"

    # On the phone: scan, create an account; the confirmation email is sent.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    on_phone = phone.new_page()
    on_phone.goto(claim_url)
    expect(on_phone.get_by_role("heading", name="Campfire safety")).to_be_visible()
    check(on_phone)
    on_phone.get_by_role("link", name="Create an account").click()
    sign_up(on_phone, None, "walker@example.test", PASSWORD)
    expect(on_phone.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    phone.close()

    # On the laptop: open the email, confirm, sign in; /me/ offers to continue claiming.
    laptop = browser.new_context(viewport=DESKTOP)
    page = laptop.new_page()
    open_latest_email(page, live_url, "walker@example.test")
    page.get_by_role("link", name=re.compile(r"confirm-email")).click()
    page.get_by_role("button", name="Confirm").click()
    if page.get_by_role("button", name="Sign In").count():
        page.get_by_label("Email").fill("walker@example.test")
        page.get_by_label("Password*", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_url}/me/")
    expect(page.get_by_text("A badge you started to claim")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Continue claiming Campfire safety").click()
    page.get_by_role("button", name="Claim this badge").click()
    expect(page.get_by_text("The badge “Campfire safety” is yours.")).to_be_visible()
    assert Assertion.objects.get(badge=badge).recipient.email == "walker@example.test"
    assert not PendingLinkClaim.objects.exists()
    laptop.close()


def test_the_catalogue_finds_every_word_and_lists_what_is_on_before_what_is_over(page, live_url, river):
    org, organiser = river
    today = timezone.now().date()
    publish_activity(org, organiser, title="Map & compass basics", start_date=today - timedelta(days=60))
    publish_activity(org, organiser, title="Compass by night", start_date=today + timedelta(days=10))
    publish_activity(org, organiser, title="Canoe day", start_date=today + timedelta(days=5))

    page.goto(f"{live_url}/catalogue/")
    check(page)
    titles = page.locator("#activities ~ div h3").all_inner_texts()
    assert titles.index("Canoe day") < titles.index("Map & compass basics")
    assert titles.index("Compass by night") < titles.index("Map & compass basics")

    page.get_by_label("Search title or description").fill("compass map")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Map & compass basics")).to_be_visible()
    expect(page.get_by_role("link", name="Compass by night")).to_have_count(0)
    check(page)
    page.get_by_role("link", name="Map & compass basics").click()
    check(page)
    page.goto(f"{live_url}/org/river/")
    check(page)


def test_an_organiser_edits_and_reorders_tasks_and_sets_expiry_alignment_and_tags(page, live_url, river):
    org, organiser = river
    badge = publish_activity(org, organiser, title="Forest first aid").badge
    add_task(badge, organiser, title="Describe the scenario")
    add_task(badge, organiser, title="Upload your certificate", evidence=Task.Evidence.FILE)

    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/badges/{badge.public_id}/")
    page.get_by_role("button", name="Move Upload your certificate up").click()
    page.get_by_role("link", name="Edit Describe the scenario").click()
    check(page)
    page.get_by_label("Title").fill("Describe the scenario you solved")
    page.get_by_role("button", name="Save task").click()
    expect(page.get_by_text("Task saved.")).to_be_visible()
    assert list(badge.tasks.values_list("title", flat=True)) == [
        "Upload your certificate",
        "Describe the scenario you solved",
    ]
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history.get_by_text("Tasks reordered")).to_be_visible()
    expect(history.get_by_text("Task edited")).to_be_visible()
    expect(history.get_by_text("Task added").first).to_be_visible()

    # Expiry, an ESCO alignment and tags, on the badge's edit page.
    page.get_by_role("link", name="Edit badge").click()
    page.get_by_label("Expires a number of days or months after it is issued").check()
    page.get_by_label("Number of days or months", exact=True).fill("24")
    page.get_by_role("combobox", name="Days or months").select_option("months")
    page.get_by_label("Name", exact=True).fill("provide first aid")
    page.get_by_label("URL", exact=True).fill("https://esco.example.org/skill/first-aid")
    page.get_by_label("Framework", exact=True).fill("ESCO")
    page.get_by_label("Tags").fill("first aid, outdoors")
    check(page)
    page.get_by_role("button", name="Save badge").click()
    expect(page.get_by_text("Badge saved.")).to_be_visible()
    expect(page.get_by_text("Expires 24 months after it is issued.").first).to_be_visible()
    check(page)

    # Issued by email, the badge carries its expiry; the public pages show alignment and tags.
    page.get_by_label("Email addresses").fill("ana@example.test")
    page.get_by_role("button", name="Issue to these people").click()
    expect(page.get_by_text("Badge issued to 1 person; they get an email to claim it.")).to_be_visible()
    assertion = Assertion.objects.get(badge=badge)
    assert assertion.expires is not None
    page.goto(f"{live_url}/ob/badges/{badge.public_id}")
    expect(page.get_by_role("link", name="provide first aid")).to_be_visible()
    expect(page.get_by_text("outdoors", exact=True)).to_be_visible()
    check(page)
    page.goto(f"{live_url}{assertion.get_absolute_url()}")
    expect(page.get_by_text(assertion.expires.strftime("%Y-%m-%d")).first).to_be_visible()
    expect(page.get_by_role("link", name="provide first aid")).to_be_visible()
    check(page)


def test_a_holder_shares_their_badge_and_hears_when_it_is_revoked(page, live_url, river):
    org, organiser = river
    badge = publish_activity(org, organiser, title="River safety").badge
    make_user("learner@river.test", first_name="Ana", last_name="López")

    # The learner claims the badge through its link and opens the share page.
    sign_in(page, live_url, "learner@river.test", PASSWORD)
    page.goto(f"{live_url}/badges/claim/{badge.link.code}/")
    check(page)
    page.get_by_role("button", name="Claim this badge").click()
    expect(page.get_by_text("Verified.")).to_be_visible()
    assertion = Assertion.objects.get(badge=badge)
    assert page.locator('meta[property="og:title"]').get_attribute("content") == "River safety"
    assert page.locator('meta[name="twitter:card"]').get_attribute("content") == "summary"
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert page.request.get(og_image).headers["content-type"] == "image/png"
    linkedin = page.get_by_role("link", name=re.compile("Add to LinkedIn profile"))
    href = linkedin.get_attribute("href")
    assert href.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=River+safety")
    assert f"certId={assertion.public_id}" in href and "organizationName=River+Youth+Centre" in href

    # They choose to show their name.
    expect(page.get_by_label("Name shown")).to_have_value("Ana López")
    page.get_by_label("Show my name on this page").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your name is now shown on this page.")).to_be_visible()
    check(page)
    sign_out(page, live_url)
    page.goto(f"{live_url}{assertion.get_absolute_url()}")
    expect(page.get_by_text("Awarded to")).to_be_visible()
    expect(page.get_by_text("Ana López")).to_be_visible()
    check(page)

    # The organiser revokes it; the holder gets an email with the reason and /me/ keeps it, marked revoked.
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/badges/{badge.public_id}/")
    page.get_by_label("Reason (published)").fill("Did not finish the rope drill.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Badge of learner@river.test revoked.")).to_be_visible()
    sign_out(page, live_url)
    open_latest_email(page, live_url, "learner@river.test")
    expect(page.get_by_text("Did not finish the rope drill.").first).to_be_visible()
    sign_in(page, live_url, "learner@river.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    badges = page.locator("section", has=page.locator("#me-badges"))
    expect(badges.get_by_text("Revoked").first).to_be_visible()
    expect(badges.get_by_text("Did not finish the rope drill.")).to_be_visible()
    check(page)


def test_a_revoked_holder_has_no_peer_reviews_and_an_organiser_reads_the_numbers(page, live_url, river):
    org, organiser = river
    badge = publish_activity(org, organiser, title="Peer mentoring").badge
    task = add_task(badge, organiser, approval=Task.Approval.PEER, title="How did it go?")
    first, second, newcomer = (make_user(f"{n}@river.test") for n in ("first", "second", "newcomer"))
    services.badge_issue_to_emails(badge=badge, text=first.email, issued_by=organiser)
    services.badge_link_claim(code=badge.link.code, user=second)
    submission = services.evidence_submit(task=task, learner=second, text="We met three times.")
    services.evidence_review(submission=submission, reviewer=first, approve=True)
    services.assertion_revoke(
        assertion=Assertion.objects.get(recipient=second), reason="Copied someone's text.", user=organiser
    )
    services.badge_link_claim(code=badge.link.code, user=newcomer)
    services.evidence_submit(task=task, learner=newcomer, text="My three meetings.")

    # The revoked holder sees nothing to review; a holder does.
    sign_in(page, live_url, "second@river.test", PASSWORD)
    page.goto(f"{live_url}/badges/reviews/")
    expect(page.get_by_text("My three meetings.")).to_have_count(0)
    check(page)
    sign_out(page, live_url)
    sign_in(page, live_url, "first@river.test", PASSWORD)
    page.goto(f"{live_url}/badges/reviews/")
    expect(page.get_by_text("My three meetings.")).to_be_visible()
    sign_out(page, live_url)

    # The organiser reads the numbers of the badge and of the organisation, and downloads the CSV.
    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/badges/{badge.public_id}/")
    check(page)
    page.get_by_role("link", name="Numbers").click()
    expect(page.get_by_role("heading", name="Numbers: Peer mentoring")).to_be_visible()
    expect(page.get_by_role("img", name="Badges issued per week")).to_be_visible()
    check(page)
    page.goto(f"{live_url}/o/river/activities/")
    page.get_by_role("link", name="Numbers").click()
    expect(page.get_by_role("heading", name="Badge numbers of River Youth Centre")).to_be_visible()
    check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("badge,kind,issued,valid,revoked")
    assert "Peer mentoring,activity,2,1,1" in content
    page.goto(f"{live_url}/o/river/evidence/")
    check(page)
    sign_out(page, live_url)

    # The newcomer's quest page.
    sign_in(page, live_url, "newcomer@river.test", PASSWORD)
    page.goto(f"{live_url}/badges/quests/{badge.public_id}/")
    expect(page.get_by_text("How did it go?")).to_be_visible()
    check(page)


def test_many_who_already_qualify_get_the_playlist_badge_through_a_job_whose_progress_shows(
    page, live_url, river, monkeypatch
):
    from badges.services import playlists as issuing_playlists

    monkeypatch.setattr(issuing_playlists, "PLAYLIST_ISSUE_INLINE", 2)
    org, organiser = river
    day = publish_activity(org, organiser, title="Orienteering")
    for n in range(3):
        services.badge_link_claim(code=day.badge.link.code, user=make_user(f"runner{n}@river.test"))
    playlist = services.playlist_create(
        organisation=org, user=organiser, data={"title": "Navigator"}, activity_ids=[day.pk]
    )

    sign_in(page, live_url, "organiser@river.test", PASSWORD)
    page.goto(f"{live_url}/o/river/playlists/{playlist.pk}/edit/")
    check(page)
    page.goto(f"{live_url}/o/river/activities/{day.pk}/edit/")
    check(page)
    page.goto(f"{live_url}/o/river/playlists/{playlist.pk}/")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Its badge is being issued in the background to 3 people")).to_be_visible()
    progress = page.locator(".job-progress")
    expect(progress.get_by_text("Issuing the playlist badge to those who already completed it")).to_be_visible()
    expect(progress.get_by_text("Finished.")).to_be_visible(timeout=20_000)
    expect(progress.get_by_text("3 issued")).to_be_visible()
    check(page)
    assert Assertion.objects.filter(badge__playlist=playlist).count() == 3
    page.goto(f"{live_url}/catalogue/playlists/{playlist.public_id}/")
    check(page)


def test_a_newcomer_accepts_an_emailed_badge_on_an_accessible_page(page, live_url, river):
    org, organiser = river
    badge = publish_activity(org, organiser, title="Knots").badge
    services.badge_issue_to_emails(badge=badge, text="newcomer@example.test", issued_by=organiser)

    open_latest_email(page, live_url, "newcomer@example.test")
    page.get_by_role("link", name=re.compile(r"badges.accept")).click()
    expect(page.get_by_role("heading", name="Knots")).to_be_visible()
    check(page)
