"""The bulk writers behind big sends: plain tuples in, the same rows the ORM would have written."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from learnerpass.lib.bulk import filtered_in, in_chunks, insert_rows, reserve_ids
from organisations.models import Membership, Organisation
from outbox.models import Email

pytestmark = pytest.mark.django_db


def test_reserved_ids_follow_the_existing_rows_and_the_orm_continues_after_them():
    first = Organisation.objects.create(name="First", slug="first")
    with transaction.atomic():
        ids = reserve_ids(Organisation, 3)
        insert_rows(Organisation, ["id", "name", "slug"], [(pk, f"Org {pk}", f"org-{pk}") for pk in ids])
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > first.pk
    later = Organisation.objects.create(name="Later", slug="later")
    assert later.pk > ids[-1]
    assert list(Organisation.objects.filter(pk__in=ids).values_list("slug", flat=True).order_by("pk")) == [
        f"org-{pk}" for pk in ids
    ]


def test_reserving_no_ids_asks_nothing_of_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert reserve_ids(Organisation, 0) == []


def test_inserted_rows_read_back_as_the_orm_would_have_written_them():
    moment = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    with transaction.atomic():
        ids = reserve_ids(Email, 2)
        count = insert_rows(
            Email,
            ["id", "to", "context", "claimed_until"],
            [
                (ids[0], "a@example.test", '{"name": "Ana", "runs": ["R1"]}', moment),
                (ids[1], "b@example.test", "{}", None),
            ],
            constants={"kind": "bench"},
        )
    assert count == 2
    first, second = Email.objects.filter(pk__in=ids).order_by("pk")
    # Given values, defaults, empty strings for blank text, NULLs and the auto_now_add time.
    assert first.to == "a@example.test" and first.context == {"name": "Ana", "runs": ["R1"]}
    assert first.claimed_until == moment and second.claimed_until is None
    assert first.kind == "bench" and first.status == Email.Status.QUEUED and first.attempts == 0
    assert first.last_error == "" and first.template == "" and first.sent_at is None
    assert first.created_at is not None and first.created_at == second.created_at
    # The rows are found by the filters the application uses (dates compared as the ORM stores them).
    assert Email.objects.filter(claimed_until__gte=moment).count() == 1


def test_a_required_field_without_a_value_is_refused(org):
    with pytest.raises(ValueError, match="Membership.user needs a value"):
        insert_rows(Membership, ["organisation"], [(org.pk,)])


def test_an_unknown_column_is_refused():
    with pytest.raises(ValueError, match="nonsense"):
        insert_rows(Organisation, ["name", "nonsense"], [])


def test_values_are_split_into_lists_the_database_can_bind():
    values = list(range(25_000))
    chunks = list(in_chunks(values))
    assert [value for chunk in chunks for value in chunk] == values
    limit = connection.features.max_query_params or 10_000
    assert all(len(chunk) < limit for chunk in chunks)
    assert list(in_chunks([])) == []


def test_filtered_in_finds_exactly_the_rows_with_those_values_in_as_few_queries_as_the_database_allows(
    django_assert_max_num_queries,
):
    with transaction.atomic():
        ids = reserve_ids(Organisation, 30)
        insert_rows(Organisation, ["id", "name", "slug"], [(pk, f"Org {pk}", f"org-{pk}") for pk in ids])
    wanted = {f"org-{pk}" for pk in ids[::3]} | {f"missing-{n}" for n in range(20_000)}
    expected_queries = 1 if connection.vendor == "postgresql" else len(list(in_chunks(wanted)))
    with django_assert_max_num_queries(expected_queries):
        found = {
            slug
            for part in filtered_in(Organisation.objects.all(), "slug", wanted)
            for slug in part.values_list("slug", flat=True)
        }
    assert found == {f"org-{pk}" for pk in ids[::3]}
    assert list(filtered_in(Organisation.objects.all(), "slug", [])) == []
    integers = next(iter(filtered_in(Organisation.objects.all(), "pk", ids[:2])))
    assert sorted(integers.values_list("pk", flat=True)) == ids[:2]
    # A foreign key, by its column (as the callers write it) or by its name.
    from conftest import make_user

    joined = [Membership.objects.create(organisation_id=pk, user=make_user(f"m{pk}@example.test")) for pk in ids[:4]]
    for field in ("organisation_id", "organisation"):
        parts = filtered_in(Membership.objects.all(), field, ids[1:3])
        assert sorted(pk for part in parts for pk in part.values_list("pk", flat=True)) == [m.pk for m in joined[1:3]]
