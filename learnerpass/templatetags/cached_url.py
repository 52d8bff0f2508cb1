"""{% url %}, remembering each link it made: a template builtin (settings.TEMPLATES) that replaces
Django's tag of the same name and syntax.

reverse() costs 50-60 us, and a page names 10 to 25 links with {% url %}: on the badge page that was
more than a millisecond of every view. The links a process makes depend only on the URL patterns,
which do not change while it runs, the script prefix, the URL configuration and namespace in force,
and the values given: a link made once is kept, keyed by all of these. Only values whose text
cannot change are keys (ints and strs); a link to anything else (a model instance, a lazy string)
is made by Django's tag every time. A missing route raises as Django's tag does, every time.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

_KEPT: dict[tuple, str] = {}
_KEEP_AT_MOST = 20_000  # links; then the store starts again (about 2 MB at most)


def _plain(value) -> bool:
    return type(value) is int or isinstance(value, str)


class CachedURLNode(URLNode):
    def render(self, context):
        key = self._key(context)
        if key is None:
            return super().render(context)
        link = _KEPT.get(key)
        if link is None:
            output = super().render(context)
            link = context[self.asvar] if self.asvar else output
            if len(_KEPT) >= _KEEP_AT_MOST:
                _KEPT.clear()
            _KEPT[key] = link
        if self.asvar:
            context[self.asvar] = link
            return ""
        return link

    def _key(self, context) -> tuple | None:
        values = [self.view_name.resolve(context)]
        values += [arg.resolve(context) for arg in self.args]
        named = sorted((name, value.resolve(context)) for name, value in self.kwargs.items())
        if not all(_plain(value) for value in values) or not all(_plain(value) for _name, value in named):
            return None
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        return (
            tuple(values),
            tuple(named),
            get_script_prefix(),
            get_urlconf(),
            current_app,
            bool(context.autoescape),
            self.asvar is not None,
        )


@receiver(setting_changed)
def _forget_on_new_patterns(*, setting, **kwargs):
    # Tests that swap the URL configuration or the script name: links made before no longer hold.
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _KEPT.clear()


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
