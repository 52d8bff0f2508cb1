import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from learnerpass.env import env_bool, env_int, env_list, env_secrets, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_booleans_accept_common_spellings_and_refuse_others(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", True)


def test_integers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)


def test_lists_split_on_commas(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def test_database_urls():
    pg = parse_database_url("postgres://u:p%40ss@db.local:5433/lp?sslmode=require", conn_max_age=600)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == ("u", "p@ss", "db.local", "5433", "lp")
    assert pg["OPTIONS"] == {"sslmode": "require"} and pg["CONN_MAX_AGE"] == 600
    assert parse_database_url("sqlite:////tmp/x.sqlite3", conn_max_age=0)["NAME"] == "/tmp/x.sqlite3"
    with pytest.raises(ImproperlyConfigured):
        parse_database_url("mysql://x/y", conn_max_age=0)


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 64 + "-production-secret-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "learnerpass.example.org",
    "SITE_URL": "https://learnerpass.example.org",
    "CREDENTIALS_KEY": "y" * 48,
}


def test_deploy_check_is_clean_with_production_values():
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="learnerpass.settings")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_credential_keys_are_required_in_production_and_must_be_long(monkeypatch):
    monkeypatch.delenv("X_KEYS", raising=False)
    assert env_secrets("X_KEYS", debug=True, debug_default="dev") == ["dev"]
    with pytest.raises(ImproperlyConfigured, match="X_KEYS is required"):
        env_secrets("X_KEYS", debug=False, debug_default="dev")
    monkeypatch.setenv("X_KEYS", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        env_secrets("X_KEYS", debug=False, debug_default="dev")
    monkeypatch.setenv("X_KEYS", "n" * 40 + "," + "o" * 40)
    assert env_secrets("X_KEYS", debug=False, debug_default="dev") == ["n" * 40, "o" * 40]


def test_production_without_a_credentials_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "CREDENTIALS_KEY"}}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="learnerpass.settings")
    env.pop("CREDENTIALS_KEY")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "CREDENTIALS_KEY is required" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    env.update(DEBUG="false", DJANGO_SETTINGS_MODULE="learnerpass.settings")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_storage_url_puts_both_storages_on_s3_with_production_values():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        PRODUCTION,
        DJANGO_SETTINGS_MODULE="learnerpass.settings",
        STORAGE_URL="s3://lp-files/site",
        STORAGE_PRIVATE_URL="s3://lp-private",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({k: s.STORAGES[k] for k in ('public', 'private', 'staticfiles')}), s.AWS_S3_ENDPOINT_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert '"learnerpass.lib.storage.S3PublicFiles"' in result.stdout
    assert '"bucket_name": "lp-files", "location": "site/public"' in result.stdout
    assert '"bucket_name": "lp-private", "location": ""' in result.stdout
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in result.stdout
    assert result.stdout.strip().endswith("http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ({}, {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, {"sslmode": "require"}),
    ],
)
def test_postgresql_prepares_statements_unless_told_not_to(switch, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        PRODUCTION,
        DJANGO_SETTINGS_MODULE="learnerpass.settings",
        DATABASE_URL="postgres://u:p@db.local:5432/lp?sslmode=require",
        **switch,
    )
    code = "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize(("setting", "young"), [(None, 50_000), ("20000", 20_000), ("0", 700)])
def test_the_web_process_collects_garbage_less_often_unless_told_not_to(setting, young):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "WEB_GC_THRESHOLD"}}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="learnerpass.settings")
    if setting is not None:
        env["WEB_GC_THRESHOLD"] = setting
    # What a gunicorn worker does: import the WSGI application.
    code = "import gc, json, learnerpass.wsgi; print(json.dumps([gc.get_threshold()[0], gc.get_freeze_count()]))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    threshold, frozen = json.loads(result.stdout.strip().splitlines()[-1])
    assert threshold == young
    # What the application loaded lives as long as the process: frozen out of later collections.
    assert (frozen > 10_000) == (young != 700)
