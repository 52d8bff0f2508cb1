"""With Redis unreachable (the broker and the cache), pages, sign-in and actions keep working.

The broker: a task queued after commit that cannot be published is logged and left in the
outbox for the sweeper; the person's action succeeded and says so. The cache: reads miss,
writes are dropped, rate limits let people through, with a warning in the log.
"""

import logging

import pytest
from django.urls import reverse

from conftest import PASSWORD
from outbox.models import Email
from programs.tests.conftest import make_program, make_run
from programs.tests.helpers import invite

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def broker_down():
    """Celery publishes for real, to a broker that refuses every connection."""
    from learnerpass.celery import app as celery_app

    def forget_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = UNREACHABLE
    forget_connections()
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
    forget_connections()


@pytest.fixture
def cache_down(settings, monkeypatch):
    monkeypatch.setattr("learnerpass.lib.cache._last_warning", 0.0)  # each test sees its warning
    settings.CACHES = {
        "default": {
            "BACKEND": "learnerpass.lib.cache.ResilientRedisCache",
            "LOCATION": UNREACHABLE,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


# Real commits, so the after-commit queueing runs inside the request as it does in production.
@pytest.mark.django_db(transaction=True)
def test_resend_while_the_broker_is_down_succeeds_and_leaves_the_email_to_the_sweeper(
    login, org, learning_manager, broker_down, caplog
):
    run = make_run(make_program(org))
    invitation, _ = invite(run.program, [run])
    url = reverse(
        "programs:invitation_resend",
        kwargs={"org_slug": org.slug, "program_id": run.program_id, "invitation_id": invitation.pk},
    )
    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        response = login(learning_manager).post(url, follow=True)
    assert response.status_code == 200
    assert "A fresh link was sent to" in response.content.decode()
    latest = Email.objects.filter(ref_id=invitation.pk).latest("id")
    assert latest.status == Email.Status.QUEUED
    assert "the sweeper queues them again" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_sends_what_the_broker_could_not_take_once_it_is_back(broker_down, settings, caplog):
    from django.db import transaction
    from django.utils import timezone

    from learnerpass.celery import app as celery_app
    from outbox.services import email_queue, emails_requeue_stale

    with transaction.atomic():
        email = email_queue(to="learner@example.test", template="outbox/test", context={"name": "Ana"}, kind="test")
    assert Email.objects.get(pk=email.pk).status == Email.Status.QUEUED
    celery_app.conf.task_always_eager = True  # the broker is back (in-process here)
    Email.objects.filter(pk=email.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=10))
    assert emails_requeue_stale() == 1
    assert Email.objects.get(pk=email.pk).status == Email.Status.SENT


def test_signing_in_while_the_cache_is_down_works_and_says_so_in_the_log(client, learner, cache_down, caplog):
    with caplog.at_level(logging.WARNING, logger="learnerpass.lib.cache"):
        response = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("me")).status_code == 200
    assert "the cache (Redis) is unreachable" in caplog.text


def test_a_wrong_password_while_the_cache_is_down_is_refused_not_a_500(client, learner, cache_down):
    response = client.post(reverse("account_login"), {"login": learner.email, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_pages_and_rate_limited_lookups_work_while_the_cache_is_down(client, login, learner, cache_down):
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 200
    # The verification lookup counts requests per address in the cache; unreachable, it lets them through.
    for _ in range(3):
        assert client.get("/verify/ABCD-EFGH-JKMN-PQRS/").status_code == 404
    assert login(learner).get(reverse("me")).status_code == 200


def test_the_cache_steps_aside_on_every_operation(cache_down):
    from django.core.cache import cache

    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is True  # rate limits lock with add(): granted, so nobody is refused
    assert cache.set("k", 1) is None
    assert cache.get_or_set("k", 5) == 5
    assert cache.incr("counter") == 1 and cache.decr("counter") == -1
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    cache.clear()
