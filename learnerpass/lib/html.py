"""Small pieces of markup for the lists that write their rows in Python rather than through templates
(programs/templatetags/programs_rows.py, badges/views/rows.py, certificates/views/rows.py, outbox/html.py)."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

MINUTE = "%Y-%m-%d %H:%M"


def time_formatter(fmt: str = MINUTE) -> Callable[[datetime | None], str]:
    """As the |date filter (MINUTE is "Y-m-d H:i") for the many dates of a list: in the current time zone,
    looked up once rather than for every date; nothing for no date."""
    zone = timezone.get_current_timezone()
    return lambda value: value.astimezone(zone).strftime(fmt) if value else ""
