"""@prepared queries: the SQL built once, the rows the same as the queryset's own, the rules enforced."""

import threading
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from conftest import make_member
from learnerpass.lib.bulk import one_of
from learnerpass.lib.prepared import forget_all, prepared
from organisations.models import Membership, Organisation, Role

pytestmark = pytest.mark.django_db(transaction=False)


@prepared
def memberships_of(user_id):
    return Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("organisation__name")


@prepared
def member_emails(slug, role):
    return (
        Membership.objects.filter(organisation__slug=slug, role=role)
        .annotate(email=F("user__email"))
        .values_list("email", "organisation_id")
        .order_by("email")
    )


@prepared
def organisations_without(user_id):
    return Organisation.objects.exclude(memberships__user_id=user_id).only("name").order_by("name")


@pytest.fixture
def two_orgs(org, other_org):
    alice = make_member(org, "alice@example.test", Role.ADMIN)
    Membership.objects.create(organisation=other_org, user=alice, role=Role.ORGANISER)
    bob = make_member(org, "bob@example.test", Role.ORGANISER)
    return alice, bob


def compilations():
    """Count the SQL compilations made by Django (a @prepared call that reuses its SQL makes none)."""
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)


def test_rows_are_the_querysets_own_with_related_objects_loaded(two_orgs, django_assert_num_queries):
    alice, bob = two_orgs
    memberships_of(alice.pk)  # the SQL is built
    with compilations() as compiled, django_assert_num_queries(1):
        mine = memberships_of(alice.pk)
        # The related organisation came with the row (select_related), no query more.
        assert [(m.organisation.name, m.role) for m in mine] == [("Acme Learning", "admin"), ("Other Org", "organiser")]
    assert compiled.call_count == 0
    expected = list(Membership.objects.filter(user=alice).select_related("organisation").order_by("organisation__name"))
    assert mine == expected and all(isinstance(m, Membership) for m in mine)
    assert [m.organisation.slug for m in memberships_of(bob.pk)] == ["acme"]


def test_each_argument_takes_its_own_place_and_values_list_rows_come_back(two_orgs):
    assert member_emails("acme", Role.ORGANISER) == [("bob@example.test", Organisation.objects.get(slug="acme").pk)]
    assert [row[0] for row in member_emails("other", Role.ORGANISER)] == ["alice@example.test"]
    assert member_emails("acme", Role.LEARNING_MANAGER) == []


def test_only_and_exclude_with_a_join_work_as_the_queryset_does(two_orgs):
    alice, bob = two_orgs
    assert [o.name for o in organisations_without(bob.pk)] == ["Other Org"]
    assert organisations_without(alice.pk) == []
    (other,) = organisations_without(bob.pk)
    assert other.get_deferred_fields() == set(Organisation.objects.only("name").first().get_deferred_fields())


def test_the_results_are_never_kept_only_the_sql(two_orgs, other_org):
    alice, _ = two_orgs
    assert len(memberships_of(alice.pk)) == 2
    Membership.objects.filter(user=alice, organisation=other_org).delete()
    assert len(memberships_of(alice.pk)) == 1


def test_an_argument_that_django_rewrites_is_refused():
    @prepared
    def named_like(text):
        return Organisation.objects.filter(name__icontains=text)

    with pytest.raises(ValueError, match="do not reach the SQL as they are"):
        named_like("acme")


@pytest.mark.parametrize("argument", [[], [1.5], None, True, 1.5, datetime(2030, 1, 1)])
def test_arguments_other_than_ints_and_strs_are_refused(argument):
    @prepared
    def anything(value):
        return Organisation.objects.filter(pk=value)

    with pytest.raises(TypeError, match="takes ints, strs, aware datetimes and non-empty lists"):
        anything(argument)


def test_a_list_is_prepared_where_it_travels_as_one_parameter(two_orgs):
    """PostgreSQL takes the list as one array (= ANY(%s)); SQLite's IN (…) changes with the length, so
    there the queryset is built on every call, with the same rows."""
    alice, bob = two_orgs

    @prepared
    def emails_of(user_ids):
        return Membership.objects.filter(**one_of("user_id", user_ids)).values_list("user__email").order_by("id")

    assert emails_of([alice.pk]) == [("alice@example.test",), ("alice@example.test",)]
    with compilations() as compiled:
        assert emails_of([alice.pk, bob.pk]) == [("alice@example.test",)] * 2 + [("bob@example.test",)]
        assert emails_of([bob.pk, 10**9]) == [("bob@example.test",)]
    assert compiled.call_count == (0 if connection.vendor == "postgresql" else 2)


def test_a_time_is_prepared_where_it_travels_as_itself(org, other_org):
    """PostgreSQL takes an aware datetime as it is; SQLite as text, so there the queryset is built every time."""
    Organisation.objects.filter(pk=org.pk).update(created_at=datetime(2030, 1, 1, tzinfo=UTC))
    Organisation.objects.filter(pk=other_org.pk).update(created_at=datetime(2031, 1, 1, tzinfo=UTC))

    @prepared
    def created_after(moment):
        return Organisation.objects.filter(created_at__gt=moment).values_list("slug").order_by("slug")

    assert created_after(datetime(2029, 6, 1, tzinfo=UTC)) == [("acme",), ("other",)]
    with compilations() as compiled:
        assert created_after(datetime(2030, 6, 1, tzinfo=UTC)) == [("other",)]
        assert created_after(datetime(2032, 1, 1, tzinfo=UTC)) == []
    assert compiled.call_count == (0 if connection.vendor == "postgresql" else 2)


def test_prefetching_is_refused():
    @prepared
    def with_members(user_id):
        return Organisation.objects.filter(memberships__user_id=user_id).prefetch_related("memberships")

    with pytest.raises(TypeError, match="prefetch_related"):
        with_members(1)


def test_the_sql_is_kept_per_time_zone_and_language(org, settings):
    settings.USE_TZ = True
    Organisation.objects.filter(pk=org.pk).update(created_at=datetime(2030, 1, 1, 23, 30, tzinfo=UTC))

    @prepared
    def created_day(org_id):
        return Organisation.objects.filter(pk=org_id).annotate(day=TruncDate("created_at")).values_list("day")

    assert created_day(org.pk) == [(datetime(2030, 1, 1).date(),)]
    with timezone.override("Europe/Paris"):
        assert created_day(org.pk) == [(datetime(2030, 1, 2).date(),)]
    with translation.override("fr"):
        created_day(org.pk)
    assert len(created_day.compiled) == 3


def test_counts_come_back_as_values(two_orgs):
    @prepared
    def member_count(slug):
        return Organisation.objects.filter(slug=slug).annotate(n=Count("memberships")).values_list("n")

    assert member_count("acme") == [(2,)]
    assert member_count("other") == [(1,)]


def test_a_query_without_arguments_is_prepared_too(two_orgs):
    @prepared
    def admins():
        return Membership.objects.filter(Q(role=Role.ADMIN)).values_list("user__email")

    assert admins() == [("alice@example.test",)]


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_the_sql_on_its_own_connection(two_orgs):
    alice, _ = two_orgs
    memberships_of(alice.pk)
    seen = {}

    def in_thread():
        from django.db import connection as thread_connection

        with CaptureQueriesContext(thread_connection) as queries:
            seen["rows"] = len(memberships_of(alice.pk))
        seen["queries"] = len(queries)
        thread_connection.close()

    with CaptureQueriesContext(connection) as here:
        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
    assert seen == {"rows": 2, "queries": 1} and len(here) == 0


def test_integers_the_database_backend_wraps_take_the_same_wrapper(org):
    """PostgreSQL's backend passes big integers as psycopg's Int8 (an int): the argument is wrapped alike."""
    from jobs.models import Job

    for ref_id in (7, 8):
        Job.objects.create(kind="test.kind", organisation=org, ref_type="test.thing", ref_id=ref_id, task_name="t")

    @prepared
    def jobs_about(ref_id):
        return Job.objects.filter(ref_type="test.thing", ref_id=ref_id).values_list("ref_id")

    assert jobs_about(7) == [(7,)]
    assert jobs_about(8) == [(8,)]
    # The argument takes the type the backend gives ref_id's parameter (int on SQLite, Int8 on PostgreSQL).
    (entry,) = jobs_about.compiled.values()
    backend_type = type(Job.objects.filter(ref_id=7).query.get_compiler("default").as_sql()[1][0])
    assert [slot[1] for slot in entry.slots if slot] == [None if backend_type is int else backend_type]


def test_forget_all_drops_every_built_sql(two_orgs):
    alice, _ = two_orgs
    memberships_of(alice.pk)
    assert memberships_of.compiled
    forget_all()
    assert not memberships_of.compiled
    assert len(memberships_of(alice.pk)) == 2


def test_one_or_404_gives_the_row_found_or_says_what_was_not(org, other_org):
    from django.http import Http404

    from learnerpass.lib.prepared import one_or_404

    @prepared
    def organisation(slug):
        return Organisation.objects.filter(slug=slug)

    assert one_or_404(organisation("acme"), "organisation") == org
    with pytest.raises(Http404, match="No such organisation."):
        one_or_404(organisation("nowhere"), "organisation")


def test_prepared_jobs_about_lists_what_jobs_about_lists(org):
    from jobs.models import Job
    from jobs.selectors import jobs_about, prepared_jobs_about

    for kind in ("test.a", "test.b", "test.a"):
        Job.objects.create(
            kind=kind, organisation=org, ref_type="organisations.organisation", ref_id=org.pk, task_name="t"
        )
    about = prepared_jobs_about(Organisation, kinds=["test.a"], limit=5)
    assert about(org.pk) == jobs_about(org, kinds=["test.a"], limit=5) and len(about(org.pk)) == 2
    assert about(org.pk + 1) == []
