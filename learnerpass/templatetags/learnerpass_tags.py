from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from learnerpass.lib.counts import COUNT_CAP, CappedNumber

register = template.Library()


@register.filter
def capped(value):
    """A count from learnerpass.lib.counts: "1,000+" past the cap, else the number with separators."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    if number > COUNT_CAP:
        return f"{intcomma(COUNT_CAP)}+"
    return intcomma(number)


@register.filter
def figure(value):
    """A figure that may be a capped count (shown as with `capped`) or an exact one (with separators)."""
    return capped(value) if isinstance(value, CappedNumber) else intcomma(value)
