"""Two requests claiming at the same moment still give one badge and count one claim."""

import threading

import pytest
from django.db import connection

from badges import services
from badges.models import Assertion, BadgeLink
from badges.tests.conftest import enable_link, publish_activity
from conftest import make_member, make_user
from organisations.models import Organisation, Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The in-memory SQLite test database locks whole tables across threads ("database table is
    # locked"); row locks and real concurrency need PostgreSQL, which CI uses.
    pytest.mark.skipif(connection.vendor == "sqlite", reason="needs PostgreSQL row locks"),
]


def run_together(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected so the test can show it
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_claims_by_one_learner_give_one_badge():
    org = Organisation.objects.create(name="Race", slug="race")
    organiser = make_member(org, "o@race.test", Role.ORGANISER)
    learner = make_user("l@race.test")
    link = enable_link(publish_activity(org, organiser).badge, organiser)

    results = run_together(lambda: services.badge_link_claim(code=link.code, user=learner), 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Assertion.objects.count() == 1
    assert BadgeLink.objects.get().claims_count == 1


def test_simultaneous_claims_never_pass_the_maximum():
    org = Organisation.objects.create(name="Race", slug="race")
    organiser = make_member(org, "o@race.test", Role.ORGANISER)
    link = enable_link(publish_activity(org, organiser).badge, organiser, max_claims=2)
    people = iter([make_user(f"p{i}@race.test") for i in range(5)])
    lock = threading.Lock()

    def claim():
        with lock:
            person = next(people)
        return services.badge_link_claim(code=link.code, user=person)

    results = run_together(claim, 5)

    assert Assertion.objects.count() == 2
    assert BadgeLink.objects.get().claims_count == 2
    assert sum(isinstance(r, services.BadgesError) for r in results) == 3
