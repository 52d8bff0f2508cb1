"""Numbers organisers can see, per badge and per organisation: issued per week (a server-drawn SVG chart),
by issuing path, claims through the link, evidence waiting, the median review time, and a CSV of each."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from badges import charts, numbers, services
from badges.models import Assertion, EvidenceSubmission, Task
from badges.tests.conftest import add_task, publish_activity
from conftest import make_user


def week(n_ago: int) -> date:
    return numbers.week_start(timezone.now().date()) - timedelta(weeks=n_ago)


@pytest.fixture
def busy_badge(badge, organiser, other_org):
    """Issued by email (3, one revoked, one 3 weeks ago), by link (2), by a quest with reviews."""
    services.badge_issue_to_emails(
        badge=badge, text="a@example.test b@example.test c@example.test", issued_by=organiser
    )
    Assertion.objects.filter(recipient_email="c@example.test").update(issued_on=timezone.now() - timedelta(weeks=3))
    services.assertion_revoke(
        assertion=Assertion.objects.get(recipient_email="a@example.test"), reason="x", user=organiser
    )
    for n in range(2):
        services.badge_link_claim(code=badge.link.code, user=make_user(f"link{n}@example.test"))
    task = add_task(badge, organiser, approval=Task.Approval.ORGANISER)
    for n, hours in ((1, 2), (2, 10), (3, 30)):
        learner = make_user(f"quest{n}@example.test")
        services.badge_link_claim(code=badge.link.code, user=learner)
        submission = services.evidence_submit(task=task, learner=learner, text="done")
        if n < 3:
            EvidenceSubmission.objects.filter(pk=submission.pk).update(
                submitted_at=timezone.now() - timedelta(hours=hours)
            )
            services.evidence_review(submission=submission, reviewer=organiser, approve=True, as_organiser=True)
    # Another organisation's badge counts nowhere here.
    foreign = publish_activity(other_org, organiser, title="Elsewhere")
    services.badge_issue_to_emails(badge=foreign.badge, text="z@example.test", issued_by=organiser)
    return badge


def test_the_numbers_of_a_badge(busy_badge):
    figures = numbers.badge_numbers(busy_badge)

    assert figures.issued == 7 and figures.revoked == 1 and figures.live == 6
    assert figures.by_source == {"email": 3, "link": 2, "quest": 2}
    assert figures.link_claims == 5  # 2 badges given at once, 3 quests started
    assert figures.evidence_waiting == 1
    assert figures.reviews == 2
    assert timedelta(hours=5, minutes=59) < figures.median_review < timedelta(hours=6, minutes=1)
    assert figures.median_review_text == "6 hours"
    weeks = dict(figures.weeks)
    assert len(figures.weeks) == numbers.WEEKS
    assert weeks[week(0)] == 6 and weeks[week(3)] == 1 and sum(weeks.values()) == 7
    assert figures.weekly_by_source[week(0)] == {"email": 2, "link": 2, "quest": 2}


def test_the_numbers_of_the_organisation_add_up_its_badges(busy_badge, org, organiser):
    second = publish_activity(org, organiser, title="Second").badge
    services.badge_issue_to_emails(badge=second, text="q@example.test", issued_by=organiser)

    figures = numbers.organisation_numbers(org)

    assert figures.issued == 8 and figures.revoked == 1
    assert figures.by_source["email"] == 4
    assert figures.link_claims == 5 and figures.evidence_waiting == 1


def test_nothing_yet_reads_as_zeros_and_no_median(badge):
    figures = numbers.badge_numbers(badge)

    assert (figures.issued, figures.link_claims, figures.evidence_waiting, figures.median_review) == (0, 0, 0, None)
    assert [n for _week, n in figures.weeks] == [0] * numbers.WEEKS


def test_self_approved_evidence_is_not_a_review(badge, organiser, learner):
    task = add_task(badge, organiser, approval=Task.Approval.SELF)
    services.badge_link_claim(code=badge.link.code, user=learner)
    services.evidence_submit(task=task, learner=learner, text="done")

    assert numbers.badge_numbers(badge).reviews == 0


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(minutes=3), "3 minutes"),
        (timedelta(seconds=10), "1 minute"),
        (timedelta(hours=1, minutes=10), "1 hour"),
        (timedelta(hours=47), "47 hours"),
        (timedelta(days=3, hours=13), "4 days"),
    ],
)
def test_durations_read_in_the_largest_whole_unit(duration, words):
    assert numbers.duration_words(duration) == words


def test_the_chart_scales_its_bars_to_a_round_top():
    weeks = [(week(2), 0), (week(1), 7), (week(0), 3)]

    chart = charts.weekly_bars(weeks)

    assert chart["top"] == 10
    tallest = max(chart["bars"], key=lambda b: b["height"])
    assert tallest["count"] == 7
    assert chart["bars"][0]["height"] == 0
    assert all(b["y"] + b["height"] == pytest.approx(chart["axis_y"]) for b in chart["bars"])
    assert [charts.nice_ceiling(n) for n in (0, 1, 3, 7, 12, 51, 999)] == [1, 1, 5, 10, 20, 100, 1000]


def test_the_badge_numbers_page_draws_the_chart_on_the_server(login, org, organiser, busy_badge):
    url = reverse("badges:badge_numbers", kwargs={"org_slug": org.slug, "public_id": busy_badge.public_id})

    page = login(organiser).get(url).content.decode()

    assert '<svg class="weekly-chart' in page and "<script" not in page.split("<main", 1)[-1].split("</main>")[0]
    assert "Badges issued per week" in page
    assert f"Week of {week(0):%Y-%m-%d}: 6 badges" in page
    assert "Claimed through the link" in page and "Median review time" in page and "6 hours" in page
    assert "http://" not in page.split('<svg class="weekly-chart', 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org", ""
    )


def test_the_badge_csv_has_a_row_per_week_with_each_path(login, org, organiser, busy_badge):
    url = reverse("badges:badge_numbers_csv", kwargs={"org_slug": org.slug, "public_id": busy_badge.public_id})

    response = login(organiser).get(url)

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "week starting (Monday)",
        "issued",
        "Issued by email",
        "Claimed through the link",
        "Earned by completing tasks",
        "Completed the playlist",
    ]
    assert len(rows) == 1 + numbers.WEEKS
    assert rows[-1] == [week(0).isoformat(), "6", "2", "2", "2", "0"]


def test_the_organisation_page_lists_each_badge_in_a_constant_number_of_queries(login, org, organiser, busy_badge):
    client = login(organiser)
    url = reverse("badges:org_numbers", kwargs={"org_slug": org.slug})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for n in range(4):
        more = publish_activity(org, organiser, title=f"More {n}").badge
        services.badge_issue_to_emails(badge=more, text=f"m{n}@example.test", issued_by=organiser)
    assert queries() == before
    page = client.get(url).content.decode()
    assert "More 3" in page and busy_badge.name in page


def test_the_organisation_csv_has_a_row_per_badge(login, org, organiser, busy_badge):
    response = login(organiser).get(reverse("badges:org_numbers_csv", kwargs={"org_slug": org.slug}))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, (row,) = rows[0], rows[1:]
    values = dict(zip(header, row, strict=True))
    assert values["badge"] == "Forest first aid" and values["kind"] == "activity"
    assert (values["issued"], values["valid"], values["revoked"]) == ("7", "6", "1")
    assert values["Issued by email"] == "3" and values["Claimed through the link"] == "2"
    assert values["claims through the link"] == "5" and values["evidence waiting"] == "1"
    assert values["median review time (hours)"] == "6.0"


def test_a_badge_name_that_looks_like_a_formula_is_neutralised_in_the_csv(login, org, organiser):
    publish_activity(org, organiser, title="=HYPERLINK(1)")

    response = login(organiser).get(reverse("badges:org_numbers_csv", kwargs={"org_slug": org.slug}))

    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_badge_page_and_the_activities_list_link_to_the_numbers(login, org, organiser, badge):
    client = login(organiser)

    badge_page = client.get(reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id}))
    activities = client.get(reverse("badges:activities", kwargs={"org_slug": org.slug}))

    assert reverse("badges:badge_numbers", kwargs={"org_slug": org.slug, "public_id": badge.public_id}) in (
        badge_page.content.decode()
    )
    assert reverse("badges:org_numbers", kwargs={"org_slug": org.slug}) in activities.content.decode()
