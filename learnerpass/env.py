"""Typed readers for configuration from the environment.

Each helper fails loudly (ImproperlyConfigured) on a value it cannot parse, so a
typo in production settings stops the process at start-up instead of running with
a silently wrong default.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secrets(name: str, *, debug: bool, debug_default: str, min_length: int = 32) -> list[str]:
    """One or more comma-separated secrets; required outside DEBUG, each at least `min_length` characters."""
    values = env_list(name, [])
    if not values:
        if debug:
            return [debug_default]
        raise ImproperlyConfigured(f"Environment variable {name} is required when DEBUG is false.")
    for value in values:
        if len(value) < min_length:
            raise ImproperlyConfigured(f"Each {name} entry must be at least {min_length} characters long.")
    return values


def env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


def parse_database_url(url: str, *, conn_max_age: int) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//") or path.startswith("/"):  # sqlite:////absolute/path
            path = path[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or ":memory:"}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL names no database.")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite or postgres).")


def s3_storage_options(url: str, subfolder: str, backend: str) -> dict:
    """A STORAGES entry for `s3://bucket[/prefix]`, files under `prefix/subfolder` in that bucket.

    Credentials, region and endpoint come from the usual AWS_* settings (django-storages).
    """
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ImproperlyConfigured(f"{url!r} is not an S3 storage URL (use s3://bucket or s3://bucket/prefix).")
    location = "/".join(part for part in (parsed.path.strip("/"), subfolder) if part)
    return {"BACKEND": backend, "OPTIONS": {"bucket_name": parsed.netloc, "location": location}}
