"""The message-and-outcome step every mutating view shares."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages

T = TypeVar("T")


class UserError(Exception):
    """A refused action whose message is shown to the user as it is.

    Each app's error class (ProgramsError, CertificatesError, …) derives from it.
    """


def perform(request, action: Callable[[], T], success: str | Callable[[T], str] | None = None) -> T | None:
    """Run one service call: on a UserError show its message and return None; otherwise show
    `success` (a text, or a function of the result) and return the result."""
    try:
        result = action()
    except UserError as exc:
        messages.error(request, str(exc))
        return None
    if success:
        messages.success(request, success(result) if callable(success) else success)
    return result
