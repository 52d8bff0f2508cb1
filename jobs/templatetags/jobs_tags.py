from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from jobs.registry import get_kind
from jobs.selectors import summary

register = template.Library()


@register.filter
def job_title(job) -> str:
    return str(get_kind(job.kind).title)


@register.filter
def job_progress(job) -> str:
    """ "41,200 of 100,000 sent", with the language's thousands separator."""
    return str(get_kind(job.kind).progress) % {"done": intcomma(job.done), "total": intcomma(job.total)}


@register.filter
def job_starting(job) -> str:
    """What a running job says before it knows its total (never "0 of 0")."""
    return str(get_kind(job.kind).starting)


@register.filter
def job_summary(job) -> list[dict]:
    return summary(job)


@register.simple_tag
def job_poll_seconds() -> float:
    from django.conf import settings

    return settings.JOBS_POLL_SECONDS


@register.filter
def job_state_label(job) -> str:
    from django.utils.translation import gettext as _

    if job.is_stuck:
        return _("Stuck")
    if job.state == job.State.RUNNING and job.follows:
        return _("Delivering")
    return str(job.get_state_display())
