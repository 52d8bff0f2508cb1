import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from certificates import pdf, services
from certificates.tests.factories import SELF_ASSESSMENT, accepted, full_data, make_individual, make_project

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def certificate(org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    return services.certificates._generate(individual, organiser)


def test_the_stylesheet_is_applied(certificate, caplog):
    pdf.render_certificate_pdf(certificate)
    assert not [r for r in caplog.records if r.levelname == "ERROR" and r.name.startswith("weasyprint")]


def test_the_pdf_carries_the_self_assessment_the_holder_and_the_code(certificate):
    text = _text(pdf.render_certificate_pdf(certificate))
    assert "Lea Martin" in text
    assert SELF_ASSESSMENT.split(" with ")[0] in " ".join(text.split())
    assert certificate.code in text
    assert "Bridges Youth Exchange" in text


def test_long_texts_flow_onto_further_pages_without_being_cut(org, organiser, learner):
    long_text = " ".join(f"sentence{n} about what I learned." for n in range(900))
    individual = accepted(
        make_individual(make_project(org)), learner, organiser, data=full_data(competence_digital=long_text)
    )
    certificate = services.certificates._generate(individual, organiser)
    reader = PdfReader(io.BytesIO(pdf.render_certificate_pdf(certificate)))
    assert len(reader.pages) >= 4
    text = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    assert "sentence899" in text and "sentence0 " in text


def test_learner_text_is_escaped_not_interpreted_as_html(org, organiser, learner):
    individual = accepted(
        make_individual(make_project(org)),
        learner,
        organiser,
        data=full_data(competence_digital='<img src="http://evil.test/x.png"><b>bold</b>'),
    )
    certificate = services.certificates._generate(individual, organiser)
    html = pdf.certificate_html(certificate)
    assert '<img src="http://evil.test' not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" in " ".join(_text(pdf.render_certificate_pdf(certificate)).split())


def test_the_fetcher_serves_static_files_and_data_uris():
    fetcher = pdf.LocalFilesFetcher()
    response = fetcher.fetch(pdf._css_url())
    assert b"@page" in response.read()
    assert response.headers.get_content_type() == "text/css"
    response = fetcher.fetch(pdf.qr_data_uri("https://example.test/verify/X/"))
    assert b"<svg" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/secret",
        "https://example.test/logo.png",
        "ftp://example.test/file",
        "file:///etc/passwd",
        "file:///etc/../etc/hostname",
    ],
)
def test_the_fetcher_refuses_anything_else(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.LocalFilesFetcher().fetch(url)


def test_the_fetcher_refuses_a_path_that_climbs_out_of_the_static_root():
    css = Path(pdf._css_url().removeprefix("file://"))
    with pytest.raises(pdf.FetchRefused):
        pdf.LocalFilesFetcher().fetch(f"file://{css.parent}/../../../../etc/passwd")


def test_the_organisation_logo_is_read_from_its_storage_and_embedded(org, settings, certificate):
    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, format="PNG")
    org.logo.save("logo.png", ContentFile(buffer.getvalue()))
    certificate.individual.project.organisation.refresh_from_db()
    html = pdf.certificate_html(certificate)
    assert "logo" in html and 'class="logo" src="data:image/png;base64,' in html
    assert pdf.LocalFilesFetcher().fetch(pdf._logo_url(org)).read() == buffer.getvalue()
    PdfReader(io.BytesIO(pdf.render_certificate_pdf(certificate)))


def test_the_qr_code_points_to_the_verification_page(certificate, settings):
    assert certificate.verify_url == f"{settings.SITE_URL}/verify/{certificate.code}/"
    assert 'src="data:image/svg+xml' in pdf.certificate_html(certificate)
