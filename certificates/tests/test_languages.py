"""Certificate languages: the PDF, the verification page and the guidance in the learner's form speak the
project's language; the learner may download the same certificate (same code) in another language."""

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from certificates import pdf, services
from certificates.models import CertificateCopy, Programme
from certificates.tests.factories import accepted, editing, full_data, make_individual, make_project
from outbox.models import Email

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.CERTIFICATE_LANGUAGES]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
LOCALE = Path(settings.BASE_DIR, "locale")


def _text(data: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _msgids(language: str) -> dict[str, str]:
    """msgid → msgstr of a catalogue (singular entries), read with GNU gettext's own parser (msgcat)."""
    po = subprocess.run(
        ["msgcat", "--no-wrap", "--sort-output", str(LOCALE / language / "LC_MESSAGES" / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    entries = {}
    for block in po.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr "(.*)"$', block, re.M)
        if msgid and msgstr and msgid.group(1) and "#, fuzzy" not in block:
            entries[msgid.group(1)] = msgstr.group(1)
    return entries


def test_the_eight_certificate_languages_are_offered_for_a_project():
    assert LANGUAGES == ["en", "fr", "de", "es", "it", "pl", "pt", "uk"]
    from certificates.forms import ProjectForm

    assert [code for code, _ in ProjectForm().fields["language"].choices if code] == LANGUAGES


@pytest.mark.parametrize("language", ["de", "es", "it", "pl", "pt", "uk"])
def test_each_new_catalogue_translates_every_certificate_string(language):
    german = _msgids("de")
    catalogue = _msgids(language)
    assert set(catalogue) == set(german)
    untranslated = [msgid for msgid, msgstr in catalogue.items() if not msgstr]
    assert not untranslated


def test_the_french_catalogue_has_every_certificate_string():
    french = _msgids("fr")
    missing = [msgid for msgid in _msgids("de") if not french.get(msgid)]
    assert not missing


@pytest.fixture
def certificate(org, organiser, learner):
    project = make_project(org, language="de", programme=Programme.ERASMUS_YOUTH, grant_number="2026-1-DE04-KA152")
    project.partners.create(name="Fundacja Most", country="PL", position=0)
    individual = accepted(
        make_individual(project),
        learner,
        organiser,
        data=full_data(competence_multilingual="Ich habe Polnisch gelernt.", competence_digital="Videos geschnitten."),
    )
    return services.certificates._generate(individual, organiser)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_pdf_has_no_english_certificate_text_left_in_another_language(certificate, language):
    html = pdf.certificate_html(certificate, language)
    assert f'<html lang="{language}">' in html
    english = [msgid for msgid in _msgids("de") if len(msgid) > 12 and "%(" not in msgid and "{" not in msgid]
    leftovers = [msgid for msgid in english if msgid in html]
    assert not leftovers


def test_the_pdf_speaks_the_projects_language(certificate):
    text = _text(pdf.render_certificate_pdf(certificate))
    assert "Mehrsprachenkompetenz" in text and "Freiwilligendienst" in text
    assert "Erasmus+ Jugend" in text and "Fundacja Most (Polen)" in text
    assert "Über dieses Zertifikat" in text
    assert certificate.code in text


def test_polish_and_ukrainian_render_with_their_own_letters(certificate):
    for language, words in (("pl", "Kompetencje w zakresie wielojęzyczności"), ("uk", "Багатомовна компетентність")):
        text = _text(pdf.render_certificate_pdf(certificate, language))
        assert words in text
    # WeasyPrint uses DejaVu Sans (pdf.css): it has a glyph for every letter of the Polish and Ukrainian texts.
    from fontTools.ttLib import TTFont

    path = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True).stdout
    cmap = TTFont(path).getBestCmap()
    for language in ("pl", "uk"):
        letters = {ch for msgstr in _msgids(language).values() for ch in msgstr if ch.isalpha()}
        assert not [ch for ch in letters if ord(ch) not in cmap]


def test_the_verification_page_speaks_the_certificates_language_and_can_switch(client, certificate):
    path = reverse("certificates:verify", kwargs={"code": certificate.code})
    page = client.get(path).content.decode()
    assert '<div lang="de">' in page and "Zertifikatsprüfung" in page and "Erasmus+ Jugend" in page
    # The site around it keeps the reader's language.
    assert "Verify another code" in page
    page = client.get(path, {"lang": "uk"}).content.decode()
    assert '<div lang="uk">' in page and "Перевірка сертифіката" in page and "Польща" in page
    page = client.get(path, {"lang": "xx"}).content.decode()
    assert '<div lang="de">' in page


def test_the_verification_json_names_the_language_programme_and_partners(client, certificate):
    data = client.get(reverse("certificates:verify", kwargs={"code": certificate.code}), {"format": "json"}).json()
    assert data["language"] == "de" and data["programme"] == "Erasmus+ Jugend"
    assert data["grant_number"] == "2026-1-DE04-KA152" and data["partners"] == [
        {"name": "Fundacja Most", "country": "PL"}
    ]


def test_the_learners_form_guidance_speaks_the_projects_language(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org, language="pl")), learner, organiser)
    page = login(learner).get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    body = page.content.decode()
    assert '<div lang="pl">' in body
    assert "Kompetencje cyfrowe" in body and "Samoocena" in body
    # The page around the form keeps the learner's interface language.
    assert "Save draft" in body


def test_emails_to_the_learner_speak_the_projects_language(org, organiser, learner):
    from outbox.services import render_email

    individual = make_individual(make_project(org, language="es"))
    services.individual_send_connect(individual=individual, sent_by=organiser)
    subject, text, _ = render_email(Email.objects.get(kind="certificates_connect"))
    with translation.override("es"):
        assert "Bridges Youth Exchange" in subject and "Hola" in text


@pytest.fixture
def rendered(certificate, django_capture_on_commit_callbacks):
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return certificate


def test_the_learner_gets_the_same_certificate_in_another_language(
    login, learner, rendered, django_capture_on_commit_callbacks
):
    client = login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates:learner_copy_request", kwargs={"code": rendered.code}), {"language": "uk"}
        )
    assert response.status_code == 302
    copy = CertificateCopy.objects.get()
    assert copy.language == "uk" and copy.pdf
    download = client.get(
        reverse("certificates:learner_copy_download", kwargs={"code": rendered.code, "language": "uk"})
    )
    data = b"".join(download.streaming_content)
    text = _text(data)
    assert rendered.code in text and "Багатомовна компетентність" in text
    page = client.get(reverse("certificates:learner_edit", kwargs={"public_id": rendered.individual.public_id}))
    assert "Українська" in page.content.decode()


def test_asking_twice_makes_one_copy(learner, rendered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = services.certificate_copy_request(certificate=rendered, language="es")
        second = services.certificate_copy_request(certificate=rendered, language="es")
    assert first.pk == second.pk and len(callbacks) == 1
    assert services.certificate_copy_render(copy_id=first.pk) is False


@pytest.mark.parametrize("language, message", [("de", "already in Deutsch"), ("xx", "Choose one of")])
def test_the_projects_own_language_or_an_unknown_one_is_refused(rendered, language, message):
    with pytest.raises(services.CertificatesError, match=message):
        services.certificate_copy_request(certificate=rendered, language=language)
    assert not CertificateCopy.objects.exists()


def test_a_revoked_certificate_has_no_copies(login, learner, organiser, rendered):
    services.certificate_revoke(certificate=rendered, revoked_by=organiser, reason="Mistake")
    with pytest.raises(services.CertificatesError):
        services.certificate_copy_request(certificate=rendered, language="fr")
    response = login(learner).post(
        reverse("certificates:learner_copy_request", kwargs={"code": rendered.code}), {"language": "fr"}
    )
    assert response.status_code == 404


def test_someone_elses_copy_is_not_found(login, other_learner, rendered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_copy_request(certificate=rendered, language="fr")
    client = login(other_learner)
    assert (
        client.get(
            reverse("certificates:learner_copy_download", kwargs={"code": rendered.code, "language": "fr"})
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("certificates:learner_copy_request", kwargs={"code": rendered.code}), {"language": "es"}
        ).status_code
        == 404
    )


def test_get_on_the_copy_request_is_refused(login, learner, rendered):
    assert (
        login(learner).get(reverse("certificates:learner_copy_request", kwargs={"code": rendered.code})).status_code
        == 405
    )


def test_a_copy_that_failed_is_tried_again(rendered, monkeypatch, django_capture_on_commit_callbacks):
    import certificates.pdf

    real = certificates.pdf.render_certificate_pdf
    monkeypatch.setattr(certificates.pdf, "render_certificate_pdf", lambda *a: (_ for _ in ()).throw(ValueError("x")))
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.certificate_copy_request(certificate=rendered, language="it")
    copy.refresh_from_db()
    assert copy.render_error and not copy.pdf
    monkeypatch.setattr(certificates.pdf, "render_certificate_pdf", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_copy_request(certificate=rendered, language="it")
    copy.refresh_from_db()
    assert copy.pdf and not copy.render_error


def test_regenerating_drops_the_copies_of_the_superseded_certificate(
    organiser, rendered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.certificate_copy_request(certificate=rendered, language="pl")
    copy.refresh_from_db()
    storage, name = copy.pdf.storage, copy.pdf.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_generate(individual=rendered.individual, generated_by=organiser)
    assert not CertificateCopy.objects.exists() and not storage.exists(name)
