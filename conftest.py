"""Fixtures shared by every app's tests: a fixed cast of people and two organisations."""

import os

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

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
