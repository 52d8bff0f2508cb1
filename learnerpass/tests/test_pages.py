import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_home_page_invites_visitors_to_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Create an account" in body
    assert 'href="/static/css/bootstrap.min.css"' in body  # served locally, never from a CDN
    assert "htmx" in body and "cdn" not in body.lower()


def test_signed_in_users_land_on_their_dashboard(login, learner):
    assert login(learner).get("/")["Location"] == reverse("me")


def test_the_dashboard_has_honest_empty_states(login, learner, django_assert_max_num_queries):
    client = login(learner)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("me"))
    body = response.content.decode()
    assert response.status_code == 200
    for heading in ("Programs", "Certificates", "Badges"):
        assert f">{heading}<" in body


def test_the_dashboard_requires_sign_in(client, db):
    response = client.get(reverse("me"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_navigation_lists_the_users_organisations(login, org, organiser):
    body = login(organiser).get(reverse("me")).content.decode()
    assert "Acme Learning" in body and "My learning" in body


def test_the_language_switcher_changes_the_language(client, db):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "fr"


def test_account_emails_go_through_the_outbox(client, db, django_capture_on_commit_callbacks):
    from outbox.models import Email

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "new@example.test", "password1": "a-long-password-77", "password2": "a-long-password-77"},
        )
    email = Email.objects.get(to="new@example.test")
    assert email.kind == "account:email_confirmation_signup"
    assert email.status == Email.Status.SENT
    assert "/accounts/confirm-email/" in email.body_text


def test_pages_are_translated_into_french(login, learner):
    client = login(learner)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    body = client.get(reverse("me")).content.decode()
    assert "Mes apprentissages" in body
    assert '<html lang="fr">' in body


def test_perform_shows_a_refusal_and_returns_nothing(rf):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    from learnerpass.lib.actions import UserError, perform

    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)

    def refuse():
        raise UserError("Not in this state.")

    assert perform(request, refuse, "never shown") is None
    assert perform(request, lambda: 42, lambda result: f"Done {result}.") == 42
    assert [str(m) for m in get_messages(request)] == ["Not in this state.", "Done 42."]


def test_favicon_ico_redirects_to_the_site_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def _tables_read(client, url) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return " ".join(query["sql"] for query in queries.captured_queries)


def test_the_dashboard_asks_about_managed_programs_only_for_members(login, learner, organiser):
    assert "programs_programlearneradmin" not in _tables_read(login(learner), reverse("me"))
    assert "programs_programlearneradmin" in _tables_read(login(organiser), reverse("me"))


def _session_engine(redis_url: str) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="learnerpass.settings", **({"REDIS_URL": redis_url} if redis_url else {}))
    code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_with_redis_sessions_are_read_from_the_cache_not_the_database(login, learner, settings):
    """Production (REDIS_URL set) keeps sessions in the cache as well: no session query per page. The embedded
    default keeps them in the database only (its memory cache is per process)."""
    assert _session_engine("redis://127.0.0.1:6379/15") == "django.contrib.sessions.backends.cached_db"
    assert _session_engine("") == "django.contrib.sessions.backends.db"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = login(learner)
    client.get(reverse("me"))
    assert "django_session" not in _tables_read(client, reverse("me"))
