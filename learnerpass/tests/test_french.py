"""The French interface: a complete catalogue, compiled as committed, and main pages with no English left.

After changing strings, `make messages` regenerates and compiles the catalogue; translate what it adds.
"""

import gettext
import re
from collections import Counter
from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from learnerpass.tests.french import (
    LOCALE,
    PLACEHOLDER,
    build_french_world,
    english_on,
    french_catalogue,
    read_po,
    upload_with_errors,
)

TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    return french_catalogue()


def test_the_parser_reads_plurals_contexts_flags_continuations_and_obsolete_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "tab"\nmsgid ""\n"Two "\n"lines"\nmsgstr "Deux \\"lignes\\""\n\n'
        'msgid "%(n)s row"\nmsgid_plural "%(n)s rows"\nmsgstr[0] "%(n)s ligne"\nmsgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Parti"\n',
        encoding="utf-8",
    )
    first, second, third = read_po(po)
    assert (first.msgctxt, first.msgid, first.msgstr, first.flags) == (
        "tab",
        "Two lines",
        {0: 'Deux "lignes"'},
        {"fuzzy", "python-format"},
    )
    assert not first.translated  # fuzzy
    assert second.forms == [("%(n)s row", "%(n)s ligne"), ("%(n)s rows", "")]
    assert not second.translated  # a plural form is empty
    assert third.obsolete and third.msgstr == {0: "Parti"}


def test_every_french_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert len(catalogue) > 1500
    assert [entry.msgid for entry in catalogue if not entry.translated] == []


def test_the_french_catalogue_keeps_no_obsolete_entries(catalogue):
    assert [entry.msgid for entry in catalogue if entry.obsolete] == []


def test_french_texts_keep_every_placeholder_tag_and_line_break_of_the_english(catalogue):
    mismatches = [
        (source, text)
        for entry in catalogue
        for source, text in entry.forms
        if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text))
        or Counter(TAG.findall(source)) != Counter(TAG.findall(text))
        or source.count("\n") != text.count("\n")
    ]
    assert mismatches == []


def test_french_texts_use_the_typographic_apostrophe(catalogue):
    # The catalogue writes l’apprenant, never l'apprenant (a straight quote belongs to HTML and code).
    assert [text for entry in catalogue for _source, text in entry.forms if re.search(r"\w'\w", text)] == []


def test_the_compiled_french_catalogue_is_the_po_file_compiled(catalogue):
    with open(LOCALE / "django.mo", "rb") as mo:
        compiled = {key: text for key, text in gettext.GNUTranslations(mo)._catalog.items() if key != ""}
    expected = {}
    # Like msgfmt (and compilemessages), leave out obsolete entries and what is not translated yet.
    for entry in (e for e in catalogue if e.translated and not e.obsolete):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            expected.update({(key, n): text for n, text in entry.msgstr.items()})
        else:
            expected[key] = entry.msgstr[0]
    assert compiled == expected, "The .mo file is not the .po file compiled: run compilemessages -l fr."


def test_the_english_check_finds_an_untranslated_phrase_and_an_unmarked_sentence(catalogue):
    page = '<p>Vos badges</p><button aria-label="Download the signed credential">x</button><p>It is sunny today</p>'
    assert english_on(page, catalogue) == {
        "untranslated": ["Download the signed credential"],
        "english": ["Download the signed credential", "It is sunny today"],
    }
    assert english_on("<p>Vos badges</p><code>the_column</code>", catalogue) == {"untranslated": [], "english": []}


@pytest.fixture
def french_world(org, organiser, learning_manager, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_french_world(org=org, organiser=organiser, learning_manager=learning_manager, learner=learner)


def _upload_with_errors(client, org) -> str:
    expiry = (timezone.now() + timedelta(days=10)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    upload = SimpleUploadedFile("invitations.csv", upload_with_errors(expiry), content_type="text/csv")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("programs:import_upload", kwargs={"org_slug": org.slug}), {"file": upload})
    assert response.status_code == 302
    return response["Location"]


PAGES = ["organisation home", "programs upload", "checked upload", "certificates project", "badges catalogue", "/me/"]


@pytest.mark.parametrize("where", PAGES)
def test_a_main_page_in_french_shows_no_english(
    client, catalogue, french_world, where, org, org_admin, organiser, learning_manager, learner
):
    # French first: a file is checked in the language of the person who uploads it.
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    if where == "organisation home":
        client.force_login(org_admin)
        url = reverse("organisations:home", kwargs={"org_slug": org.slug})
    elif where == "programs upload":
        client.force_login(learning_manager)
        _upload_with_errors(client, org)  # then listed among the recent uploads
        url = reverse("programs:import_upload", kwargs={"org_slug": org.slug})
    elif where == "checked upload":
        client.force_login(learning_manager)
        url = _upload_with_errors(client, org)
    elif where == "certificates project":
        client.force_login(organiser)
        url = reverse("certificates:project", kwargs={"org_slug": org.slug, "pk": french_world["project"].pk})
    elif where == "badges catalogue":
        client.force_login(learner)
        url = reverse("badges:catalogue")
    else:
        client.force_login(learner)
        url = reverse("me")

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert len(html) > 5000
    # Any English here is a string not marked for translation, or one the catalogue lacks: make messages.
    assert english_on(html, catalogue) == {"untranslated": [], "english": []}
