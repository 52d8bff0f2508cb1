"""The link rule's shared pieces: who owns an address, and adding it to the account that followed a link."""

from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from conftest import make_user
from learnerpass.lib import links
from learnerpass.lib.actions import UserError


class LinkError(UserError):
    pass


def test_the_owner_of_an_address_is_the_account_that_verified_it_whatever_the_case(learner):
    assert links.address_owner_id("  LEARNER@Example.TEST ") == learner.pk
    assert links.address_owner_id("nobody@example.test") is None
    assert links.address_owner_id("") is None


def test_an_account_made_outside_allauth_owns_its_own_address(db):
    user = get_user_model().objects.create_user(username="staff", email="Staff@Example.test")
    assert links.address_owner_id("staff@example.test") == user.pk


def test_an_unverified_address_belongs_to_no_one(db):
    user = get_user_model().objects.create_user(username="u", email="pending@example.test")
    EmailAddress.objects.create(user=user, email="pending@example.test", verified=False, primary=True)
    assert links.address_owner_id("pending@example.test") is None


def test_the_owner_passes_without_any_change(learner):
    links.require_link_address(user=learner, email="learner@example.test", add_address=False, error=LinkError)
    assert EmailAddress.objects.filter(user=learner).count() == 1


def test_an_address_of_nobody_is_added_only_when_asked(learner):
    with pytest.raises(LinkError, match="not an address of your account"):
        links.require_link_address(user=learner, email="Second@Example.test", add_address=False, error=LinkError)
    assert not EmailAddress.objects.filter(email="second@example.test").exists()
    links.require_link_address(user=learner, email="Second@Example.test", add_address=True, error=LinkError)
    row = EmailAddress.objects.get(email="second@example.test")
    assert row.user == learner and row.verified and not row.primary


def test_an_unverified_address_of_the_same_account_becomes_verified(learner):
    EmailAddress.objects.create(user=learner, email="second@example.test", verified=False)
    links.require_link_address(user=learner, email="second@example.test", add_address=True, error=LinkError)
    assert EmailAddress.objects.get(email="second@example.test").verified


def test_an_address_owned_by_another_account_is_refused(learner):
    make_user("taken@example.test")
    with pytest.raises(LinkError, match="belongs to another account"):
        links.require_link_address(user=learner, email="taken@example.test", add_address=True, error=LinkError)
    assert not EmailAddress.objects.filter(user=learner, email="taken@example.test").exists()


def test_an_account_verifying_the_address_at_the_same_moment_wins_with_a_clear_refusal(learner):
    with (
        mock.patch.object(EmailAddress.objects, "create", side_effect=IntegrityError("unique_verified_email")),
        pytest.raises(LinkError, match="belongs to another account"),
    ):
        links.require_link_address(user=learner, email="race@example.test", add_address=True, error=LinkError)


def test_the_database_allows_one_verified_owner_per_address(learner, other_learner):
    EmailAddress.objects.create(user=learner, email="one@example.test", verified=True)
    with pytest.raises(IntegrityError):
        EmailAddress.objects.create(user=other_learner, email="one@example.test", verified=True)
