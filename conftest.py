"""Fixtures shared by every app's tests: a fixed cast of people and two organisations."""

import os

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from learnerpass.lib.prepared import forget_all
from organisations.models import Membership, Organisation, Role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, password: str = PASSWORD, **extra):
    user = get_user_model().objects.create_user(username=email, email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_member(org: Organisation, email: str, role: str):
    user = make_user(email)
    Membership.objects.create(organisation=org, user=user, role=role)
    return user


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _prepared_queries_built_afresh():
    """Each test builds the prepared queries' SQL anew (learnerpass.lib.prepared): one that patches a
    constant the SQL holds (COUNT_CAP) leaves nothing behind."""
    yield
    forget_all()


@pytest.fixture
def org(db):
    return Organisation.objects.create(name="Acme Learning", slug="acme", contact_email="hello@acme.test")


@pytest.fixture
def other_org(db):
    return Organisation.objects.create(name="Other Org", slug="other", contact_email="hello@other.test")


@pytest.fixture
def org_admin(org):
    return make_member(org, "admin@acme.test", Role.ADMIN)


@pytest.fixture
def organiser(org):
    return make_member(org, "organiser@acme.test", Role.ORGANISER)


@pytest.fixture
def learning_manager(org):
    return make_member(org, "manager@acme.test", Role.LEARNING_MANAGER)


@pytest.fixture
def learner(db):
    return make_user("learner@example.test")


@pytest.fixture
def other_learner(db):
    return make_user("other.learner@example.test")


@pytest.fixture
def outsider(other_org):
    """An admin of another organisation: must see nothing of `org`."""
    return make_member(other_org, "admin@other.test", Role.ADMIN)


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached pages must not leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """A request in French leaves French active in this thread; the next test must start in English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def real_broker(transactional_db):
    """Point the test process's Celery app at the real Redis broker, for tests that start a worker process.

    Yields (redis_url, database_url). Needs REDIS_URL and PostgreSQL (a worker process must
    share the test database); skips without them, but fails under CI=true.
    """
    from django.db import connection

    from learnerpass.celery import app as celery_app
    from outbox.testing import database_url_from

    redis_url = os.environ.get("REDIS_URL", "")
    database_url = database_url_from(connection.settings_dict)
    if not redis_url or not database_url:
        reason = "needs REDIS_URL and a PostgreSQL DATABASE_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(f"This integration test must run in CI but it {reason}.")
        pytest.skip(reason)
    import redis

    redis.Redis.from_url(redis_url).flushdb()

    def forget_connections():
        # An earlier test may have opened pools on the in-memory broker.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    forget_connections()
    yield redis_url, database_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
    forget_connections()
