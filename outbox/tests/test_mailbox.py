"""The development mailbox: a developer's own machine only (DEBUG on and a loopback client)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from outbox.services import email_queue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def developer_machine(settings):
    """What `make run` gives: DEBUG on, the mailbox setting on."""
    settings.DEBUG = True
    settings.DEV_MAILBOX = True


@pytest.fixture
def queued(db):
    return email_queue(to="a@example.test", template="outbox/test", context={"name": 'Ana "A"'}, kind="test")


def test_the_development_mailbox_lists_emails_with_clickable_links(client, developer_machine, queued):
    response = client.get(reverse("outbox:mailbox"))
    assert "a@example.test" in response.content.decode()
    detail = client.get(reverse("outbox:mailbox_email", kwargs={"pk": queued.pk})).content.decode()
    assert '<a href="http://testserver"' in detail


def test_the_mailbox_shows_the_html_version_escaped_inside_its_sandboxed_frame(client, developer_machine, queued):
    detail = client.get(reverse("outbox:mailbox_email", kwargs={"pk": queued.pk})).content.decode()
    frame = detail[detail.index("<iframe") : detail.index("</iframe>")]
    assert 'srcdoc="&lt;!doctype html&gt;' in frame
    assert "&lt;meta charset=&quot;utf-8&quot;&gt;" in frame
    assert "<body" not in frame  # nothing of the email leaks into the mailbox page itself


def test_the_mailbox_also_answers_a_client_on_ipv6_loopback(client, developer_machine, queued):
    assert client.get(reverse("outbox:mailbox"), REMOTE_ADDR="::1").status_code == 200


@pytest.mark.parametrize("name", ["outbox:mailbox", "outbox:mailbox_email"])
def test_the_mailbox_is_hidden_from_a_client_on_another_machine_even_with_debug(
    client, developer_machine, queued, name
):
    kwargs = {"pk": queued.pk} if name == "outbox:mailbox_email" else {}
    response = client.get(reverse(name, kwargs=kwargs), REMOTE_ADDR="192.168.1.20")
    assert response.status_code == 404
    assert b"a@example.test" not in response.content


def test_the_mailbox_is_hidden_when_a_proxy_on_the_same_machine_forwards_the_request(client, developer_machine, queued):
    # A reverse proxy on the same host connects from 127.0.0.1 on behalf of anyone on the internet.
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
        response = client.get(reverse("outbox:mailbox"), REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.7"})
        assert response.status_code == 404, header


def test_the_mailbox_is_off_without_debug_even_when_its_setting_is_on(client, settings, queued):
    settings.DEBUG = False
    settings.DEV_MAILBOX = True
    assert client.get(reverse("outbox:mailbox")).status_code == 404
    assert client.get(reverse("outbox:mailbox_email", kwargs={"pk": queued.pk})).status_code == 404


def test_the_mailbox_can_be_switched_off_on_a_developer_machine(client, developer_machine, settings, queued):
    settings.DEV_MAILBOX = False
    assert client.get(reverse("outbox:mailbox")).status_code == 404


def _settings_value(name: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DEV_MAILBOX"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="learnerpass.settings")
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_never_turn_the_mailbox_on():
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "s" * 60,
        "CREDENTIALS_KEY": "c" * 60,
        "ALLOWED_HOSTS": "learnerpass.example.org",
    }
    assert _settings_value("DEV_MAILBOX", **production) == "False"
    assert _settings_value("DEV_MAILBOX", **production, DEV_MAILBOX="true") == "False"


def test_the_embedded_defaults_turn_the_mailbox_on():
    assert _settings_value("DEV_MAILBOX") == "True"
