"""Template helpers of the certificates app."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """An ISO date string from an email's JSON context ("2026-03-12") as a date, for the `date` filter, which
    then writes it in the email's language; anything else as it is."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
