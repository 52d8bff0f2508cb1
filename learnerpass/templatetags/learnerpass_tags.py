from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

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


# {{ form|crispy }} of the same unbound form, in the same language with the same values, is the same markup;
# a page with three such forms spent ~3.5 ms rendering them again on every visit.
_UNBOUND_FORMS: dict[tuple, SafeString] = {}
_UNBOUND_FORMS_MAX = 500


@register.filter
def crispy_unbound(form):
    """{{ form|crispy }} for an unbound form whose fields are set by its class, remembered per form class,
    language, time zone and initial values (a ModelForm's instance gives its values): a form that changes its labels,
    choices or widgets in __init__ (per organisation, per user) must use |crispy instead.
    A bound form (with its errors) is rendered every time."""
    if form.is_bound:
        return as_crispy_form(form)
    key = (
        type(form),
        get_language(),
        get_current_timezone_name(),
        form.prefix,
        form.auto_id,
        tuple((name, form[name].value()) for name in form.fields),
    )
    try:
        html = _UNBOUND_FORMS.get(key)
    except TypeError:  # a value that cannot be a key (a list)
        return as_crispy_form(form)
    if html is None:
        html = as_crispy_form(form)
        if len(_UNBOUND_FORMS) >= _UNBOUND_FORMS_MAX:
            _UNBOUND_FORMS.clear()
        _UNBOUND_FORMS[key] = html
    return html
