"""{% url %} as a builtin that remembers the links it made (learnerpass/templatetags/cached_url.py)."""

from unittest import mock

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from learnerpass.templatetags import cached_url

URLS = (
    "{% url 'organisations:home' slug %}|{% url 'organisations:home' org_slug=slug %}|"
    "{% url 'organisations:home' slug as home %}[{{ home }}]|{% url 'certificates:verify' code %}|"
    "{% url 'certificates:verify' code=code as verify %}{{ verify }}|{% autoescape off %}{% url 'certificates:verify' code %}{% endautoescape %}"
)


def django_tag(source: str, context: dict) -> str:
    """The same template through Django's own {% url %}."""
    return Engine(libraries={}).from_string(source).render(Context(context))


def project_tag(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.fixture(autouse=True)
def _forget_links():
    cached_url._KEPT.clear()
    yield
    cached_url._KEPT.clear()


def test_the_project_url_tag_is_the_cached_one():
    template = engines["django"].from_string("{% url 'organisations:create' %}")
    assert isinstance(template.template.nodelist[0], cached_url.CachedURLNode)


@pytest.mark.parametrize(
    "context",
    [
        {"slug": "demo", "code": "LP-1234"},
        {"slug": "demo", "code": "ça va"},  # quoted as Django quotes it
        {"slug": "demo", "code": "a'&<b>"},  # and escaped as Django escapes it, or not
    ],
)
def test_links_are_those_of_djangos_tag_the_first_time_and_after(context):
    expected = django_tag(URLS, context)
    assert project_tag(URLS, context) == expected
    with mock.patch("django.urls.reverse", side_effect=AssertionError("made again")):
        assert project_tag(URLS, context) == expected


def test_a_link_once_made_is_not_made_again():
    project_tag("{% url 'organisations:home' 'demo' %}", {})
    with mock.patch("django.urls.base.reverse", side_effect=AssertionError("made again")) as made:
        # Django's tag imports reverse when it renders: patching django.urls covers it.
        with mock.patch("django.urls.reverse", made):
            assert project_tag("{% url 'organisations:home' 'demo' %}", {}) == reverse(
                "organisations:home", args=["demo"]
            )


def test_values_whose_text_could_change_are_not_kept():
    class Slug:
        text = "first"

        def __str__(self):
            return self.text

    slug = Slug()
    assert project_tag("{% url 'organisations:home' slug %}", {"slug": slug}) == "/o/first/"
    slug.text = "second"
    assert project_tag("{% url 'organisations:home' slug %}", {"slug": slug}) == "/o/second/"
    assert cached_url._KEPT == {}


def test_the_script_prefix_is_part_of_the_key():
    assert project_tag("{% url 'organisations:home' 'demo' %}", {}) == "/o/demo/"
    try:
        set_script_prefix("/learnerpass/")
        assert project_tag("{% url 'organisations:home' 'demo' %}", {}) == "/learnerpass/o/demo/"
    finally:
        set_script_prefix("/")


def test_a_missing_route_raises_every_time_and_as_a_variable_is_empty():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            project_tag("{% url 'organisations:nowhere' 'demo' %}", {})
        assert project_tag("{% url 'organisations:nowhere' 'demo' as link %}[{{ link }}]", {}) == "[]"


def test_the_store_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(cached_url, "_KEEP_AT_MOST", 3)
    for slug in ("a", "b", "c", "d"):
        project_tag("{% url 'organisations:home' slug %}", {"slug": slug})
    assert len(cached_url._KEPT) == 1
