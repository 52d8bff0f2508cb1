from programs import services
from programs.models import Invitation
from programs.selectors import latest_link
from programs.tests.conftest import future


def invite(program, runs, *, ext="S001", email="new.learner@example.test", by=None, days=10) -> tuple[Invitation, str]:
    """Create an invitation through the service; return it with the raw token from its email."""
    invitation = services.invitation_create(
        program=program, runs=runs, external_learner_id=ext, email=email, valid_until=future(days), created_by=by
    )
    return invitation, token_of(invitation)


def token_of(invitation: Invitation) -> str:
    return latest_link(invitation).rstrip("/").rsplit("/", 1)[-1]
