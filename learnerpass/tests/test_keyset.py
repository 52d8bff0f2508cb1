"""Keyset pages: every row once, in order, forwards and back, whatever the cursor says."""

import pytest
from django.test import RequestFactory

from learnerpass.lib.keyset import decode_cursor, encode_cursor, keyset_page
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    # Names repeat, so the id decides between equal names.
    return [Organisation.objects.create(name=f"Org {n % 4}", slug=f"org-{n}") for n in range(11)]


def page_of(params, order=("name", "id"), per_page=3):
    request = RequestFactory().get("/list/", params)
    return keyset_page(Organisation.objects.all(), order=order, request=request, per_page=per_page)


def walk_forward(order, per_page=3):
    seen, params = [], {"q": "kept"}
    while True:
        page = page_of(params, order, per_page)
        seen.extend(org.slug for org in page)
        assert "q=kept" in page.next_url or not page.has_next
        if not page.has_next:
            return seen, page
        params = {"q": "kept", "after": page.next_cursor}


def test_walking_forward_visits_every_row_once_in_order(orgs):
    expected = [org.slug for org in sorted(orgs, key=lambda org: (org.name, org.pk))]
    seen, last = walk_forward(("name", "id"))
    assert seen == expected
    assert last.has_previous and not last.has_next


def test_a_descending_order_walks_newest_first(orgs):
    seen, _ = walk_forward(("-id",), per_page=4)
    assert seen == [org.slug for org in reversed(orgs)]


def test_previous_goes_back_one_page_and_the_first_page_says_so(orgs):
    first = page_of({})
    second = page_of({"after": first.next_cursor})
    third = page_of({"after": second.next_cursor})
    back = page_of({"before": third.previous_cursor})
    assert [org.pk for org in back] == [org.pk for org in second]
    assert back.has_previous and back.has_next
    start = page_of({"before": back.previous_cursor})
    assert [org.pk for org in start] == [org.pk for org in first]
    assert not start.has_previous and start.has_next
    assert not first.has_previous and first.previous_url


def test_a_short_list_has_no_other_pages(orgs):
    page = page_of({}, per_page=20)
    assert len(page) == 11 and not page.has_other_pages


@pytest.mark.parametrize("cursor", ["", "garbage!", encode_cursor([1]), encode_cursor([[1], 2]), "x" * 2000])
def test_a_cursor_that_is_not_ours_starts_the_list_over(orgs, cursor):
    assert [org.pk for org in page_of({"after": cursor})] == [org.pk for org in page_of({})]


def test_a_cursor_past_the_end_gives_an_empty_page_that_links_to_the_start(orgs):
    page = page_of({"after": encode_cursor(["zzz", 10**9])})
    assert list(page) == [] and page.has_previous and page.first_url == "?"


def test_cursors_round_trip_text_and_numbers():
    assert decode_cursor(encode_cursor(["é/&=", 42]), 2) == ["é/&=", 42]
    assert decode_cursor(encode_cursor([True, 1]), 2) is None


def test_a_page_reads_the_same_number_of_rows_wherever_it_is(orgs, django_assert_num_queries):
    first = page_of({})
    with django_assert_num_queries(1):
        later = page_of({"after": first.next_cursor})
    assert len(later) == 3


def test_an_order_by_time_walks_every_row_once(orgs):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now()
    for n, org in enumerate(orgs):
        # Two rows share each time: the id breaks the tie.
        Organisation.objects.filter(pk=org.pk).update(created_at=start - timedelta(minutes=n // 2))
    seen, _ = walk_forward(("-created_at", "-id"), per_page=4)
    expected = sorted(Organisation.objects.all(), key=lambda org: (org.created_at, org.pk), reverse=True)
    assert seen == [org.slug for org in expected]


def test_the_first_page_can_come_from_a_prepared_query_cut_to_the_page(orgs):
    """`first` gives the first rows (here more than a page): the page keeps per_page of them, knows there is
    a next one, and later pages come from the queryset as before."""
    calls = []

    def first():
        calls.append(1)
        return list(Organisation.objects.order_by("name", "id")[:10])

    request = RequestFactory().get("/list/")
    page = keyset_page(Organisation.objects.all(), order=("name", "id"), request=request, per_page=3, first=first)
    assert [org.pk for org in page] == [org.pk for org in page_of({})] and page.has_next and not page.has_previous
    after = RequestFactory().get("/list/", {"after": page.next_cursor})
    second = keyset_page(Organisation.objects.all(), order=("name", "id"), request=after, per_page=3, first=first)
    assert [org.pk for org in second] == [org.pk for org in page_of({"after": page.next_cursor})]
    assert calls == [1]
