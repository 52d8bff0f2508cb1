"""Organiser pages with the numbers: per badge and per organisation, each with its CSV."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from badges import charts, numbers
from badges.models import Assertion
from badges.views.common import MANAGE, get_badge_for_member
from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.urls import absolute_url
from organisations.access import org_member_required


@org_member_required(*MANAGE)
def badge_numbers(request, public_id):
    badge = get_badge_for_member(request, public_id)
    figures = numbers.badge_numbers(badge)
    return render(
        request,
        "badges/numbers.html",
        {"badge": badge, "numbers": figures, "chart": charts.weekly_bars(figures.weeks)},
    )


def _source_headers() -> list[str]:
    return [str(label) for _source, label in Assertion.Source.choices]


@org_member_required(*MANAGE)
def badge_numbers_csv(request, public_id):
    badge = get_badge_for_member(request, public_id)
    figures = numbers.badge_numbers(badge)
    rows = (
        [week.isoformat(), total, *(figures.weekly_by_source.get(week, {}).get(s, 0) for s in numbers.SOURCES)]
        for week, total in figures.weeks
    )
    header = [_("week starting (Monday)"), _("issued"), *_source_headers()]
    return csv_response(f"badge-numbers-{badge.public_id}.csv", header, rows)


@org_member_required(*MANAGE)
def org_numbers(request):
    figures = numbers.organisation_numbers(request.org)
    return render(
        request,
        "badges/numbers.html",
        {
            "numbers": figures,
            "chart": charts.weekly_bars(figures.weeks),
            "badges": [(b, numbers.link_claims_of(b)) for b in numbers.badges_with_numbers(request.org)],
        },
    )


@org_member_required(*MANAGE)
def org_numbers_csv(request):
    medians = numbers.median_reviews_by_badge(request.org)
    rows = (
        [
            b.name,
            _("playlist") if b.playlist_id else _("activity"),
            b.n_issued,
            b.n_issued - b.n_revoked,
            b.n_revoked,
            *(getattr(b, f"n_{source}") for source in numbers.SOURCES),
            numbers.link_claims_of(b),
            b.n_waiting,
            numbers.hours(medians.get(b.pk)),
            absolute_url("badges:badge_class", public_id=b.public_id),
        ]
        for b in numbers.badges_with_numbers(request.org)
    )
    header = [
        _("badge"),
        _("kind"),
        _("issued"),
        _("valid"),
        _("revoked"),
        *_source_headers(),
        _("claims through the link"),
        _("evidence waiting"),
        _("median review time (hours)"),
        _("public page"),
    ]
    return csv_response(f"badge-numbers-{request.org.slug}.csv", header, rows)
