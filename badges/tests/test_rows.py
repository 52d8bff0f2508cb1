"""The long organiser lists written in Python (badges/views/rows.py) give the markup the templates gave,
escaped the same way, in a number of queries that does not grow with the rows."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from badges.forms import IssueEmailsForm, LinkForm, TaskForm
from badges.models import Assertion, BadgeEvent, EvidenceSubmission
from badges.tests.conftest import add_task
from badges.views.common import link_of
from badges.views.rows import EvidenceHtml, event_rows, holder_rows
from conftest import make_user
from learnerpass.templatetags.learnerpass_tags import as_crispy_form, crispy_unbound
from outbox.html import email_status_html
from outbox.models import Email

pytestmark = pytest.mark.django_db

CSRF = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="token">')
HOSTILE = "<b>bold</b> & \"quoted\" 'single'"


def same(html: str) -> str:
    """Markup with the template's line breaks and indentation between tags taken out."""
    return re.sub(r"\s*\n\s*", "", str(html))


def submission(task, n, **fields):
    return EvidenceSubmission.objects.create(
        task=task, learner=make_user(f"learner{n}@example.test"), submitted_at=timezone.now(), **fields
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_evidence_and_review_form_are_written_as_the_partials_write_them(badge, organiser, org, language):
    task = add_task(badge, organiser)
    pieces = [
        submission(task, 1, text=f"First line {HOSTILE}\nsecond line"),
        submission(task, 2, url="https://example.test/work?a=1&b=<2>" + "x" * 100),
        submission(task, 3, file=ContentFile(b"%PDF-1.4", name="work.pdf"), file_name="work.pdf"),
        submission(task, 4, text="Both", url="https://example.test/short"),
    ]
    with translation.override(language):
        for next_url in ("", f"/o/{org.slug}/badges/{badge.public_id}/?a=1&b=2"):
            html = EvidenceHtml(org_slug=org.slug, csrf_input=CSRF, next_url=next_url)
            for s in pieces:
                action = reverse("badges:organiser_review", kwargs={"org_slug": org.slug, "pk": s.pk})
                context = {"s": s, "action": action, "next": next_url, "csrf_token": "token"}
                assert same(html.evidence(s)) == same(render_to_string("badges/_evidence.html", context))
                assert same(html.review_form(s)) == same(render_to_string("badges/_review_form.html", context))


def test_a_holders_row_escapes_what_people_typed(badge, org, organiser):
    Assertion.objects.create(
        badge=badge,
        recipient_email="ana@example.test",
        salt="0" * 32,
        identity="sha256$" + "0" * 64,
        issued_on=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
        source=Assertion.Source.EMAIL,
        revoked_at=timezone.now(),
        revocation_reason=HOSTILE,
    )
    holders = list(badge.assertions.all())
    holders[0].email_status = None
    html = holder_rows(holders, org_slug=org.slug, csrf_input=CSRF)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;" in html
    assert "<b>" not in html
    assert "<td>2026-03-04 05:06</td><td>Issued by email</td><td>—</td>" in html


def test_a_badges_history_says_when_who_and_what_with_details_escaped(badge, org, organiser):
    BadgeEvent.objects.all().delete()
    BadgeEvent.objects.create(
        organisation=org, badge=badge, actor=None, action=BadgeEvent.Action.CLAIMED, detail=HOSTILE
    )
    BadgeEvent.objects.create(organisation=org, badge=badge, actor=organiser, action=BadgeEvent.Action.EDITED)
    events = list(badge.events.annotate(actor_email=F("actor__email")))
    with translation.override("fr"):
        html = event_rows(events)
        edited, claimed = str(BadgeEvent.Action.EDITED.label), str(BadgeEvent.Action.CLAIMED.label)
    when = [timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M") for e in events]
    assert html == (
        f"<tr><td>{when[0]}</td><td>{organiser.email}</td><td>{edited}</td><td></td></tr>"
        f"<tr><td>{when[1]}</td><td>—</td><td>{claimed}</td>"
        "<td>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;</td></tr>"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Email.Status.SENT, "sent_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)},
        {"status": Email.Status.FAILED, "last_error": f"550 {HOSTILE}"},
        {"status": Email.Status.QUEUED},
        {"status": Email.Status.QUEUED, "last_error": "timeout <x>"},
        {
            "status": Email.Status.QUEUED,
            "last_error": "timeout",
            "next_attempt_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        },
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_emails_status_is_written_as_the_partial_writes_it(fields, language):
    email = Email.objects.create(to="ana@example.test", kind="test", **fields)
    with translation.override(language):
        assert same(email_status_html(email)) == same(render_to_string("outbox/_status.html", {"email": email}))
        assert same(email_status_html(None)) == same(render_to_string("outbox/_status.html", {"email": None}))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_badge_pages_forms_are_remembered_as_crispy_renders_them(badge, language):
    link = link_of(badge)
    with translation.override(language):
        for make in (IssueEmailsForm, TaskForm, lambda: LinkForm(instance=link)):
            first, again = crispy_unbound(make()), crispy_unbound(make())
            assert first == again == as_crispy_form(make())


def test_a_remembered_form_shows_the_links_new_settings(badge, organiser):
    link = link_of(badge)
    before = crispy_unbound(LinkForm(instance=link))
    link.max_claims = 37
    link.expires_at = timezone.now() + timedelta(days=3)
    link.save()
    after = crispy_unbound(LinkForm(instance=link))
    assert after != before and 'value="37"' in after and 'value="37"' not in before
    assert after == as_crispy_form(LinkForm(instance=link))


def test_a_bound_form_is_rendered_with_its_errors_every_time():
    form = IssueEmailsForm(data={"emails": ""})
    assert "This field is required" in crispy_unbound(form)


def test_the_review_queue_runs_the_same_queries_for_3_or_60_pieces_of_evidence(
    login, org, organiser, badge, django_assert_num_queries
):
    task = add_task(badge, organiser)
    client = login(organiser)
    url = reverse("badges:queue", kwargs={"org_slug": org.slug})
    for n in range(3):
        submission(task, n, text="Done")
    # session, user, membership, one page of evidence with its tasks, badges and learners
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    for n in range(3, 60):
        submission(task, n, text="Done", url="https://example.test/work")
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.content.decode().count('name="decision" value="approve"') == 50


def test_the_badge_page_runs_the_same_queries_for_3_or_60_holders_with_emails(
    login, org, organiser, badge, django_assert_num_queries
):
    from badges import services

    client = login(organiser)
    url = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    services.badge_issue_to_emails(
        badge=badge, text=" ".join(f"p{i}@example.test" for i in range(3)), issued_by=organiser
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    services.badge_issue_to_emails(
        badge=badge, text=" ".join(f"q{i}@example.test" for i in range(57)), issued_by=organiser
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('name="reason"') == 50
    assert "Email queued" in response.content.decode()
