"""A German certificate of a real project, and the same certificate in Ukrainian that verifies with the same code."""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates import services
from certificates.models import Project
from certificates.tests.factories import accepted, full_data, make_individual
from conftest import PASSWORD, make_member, make_user
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


def _pdf_text(download) -> str:
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def test_a_german_certificate_of_a_real_project_and_its_ukrainian_copy_with_the_same_code(page, live_url):
    org = Organisation.objects.create(name="Jugendwerk Nord", slug="nord")
    organiser = make_member(org, "organiser@nord.test", Role.ORGANISER)
    learner = make_user("olena@example.test")

    # The organiser describes the project: programme, grant number, partners, German certificates.
    sign_in(page, live_url, "organiser@nord.test", PASSWORD)
    page.goto(f"{live_url}/o/nord/projects/new/")
    page.get_by_label("Title*", exact=True).fill("Brücken bauen")
    page.get_by_label("Programme", exact=True).select_option("erasmus_youth")
    page.get_by_label("Project or grant number").fill("2026-1-DE04-KA152-YOU-000777")
    page.get_by_label("Activity type").select_option("youth_exchange")
    page.get_by_label("Start date").fill("2026-07-01")
    page.get_by_label("End date").fill("2026-07-10")
    page.get_by_label("Venue").fill("Hamburg")
    page.get_by_label("Certificate language").select_option("de")
    page.get_by_label("Representative's name").fill("Jana Krüger")
    page.get_by_label("Representative's role").fill("Geschäftsführerin")
    page.get_by_label("Partner organisation 1").fill("Молодіжний центр Львів")
    page.get_by_label("Country of partner 1").select_option("UA")
    page.get_by_label("Partner organisation 2").fill("Fundacja Most")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save project").click()
    # A partner without a country is refused, and nothing is saved.
    expect(page.get_by_text("Choose the partner's country.")).to_be_visible()
    assert not Project.objects.exists()
    page.get_by_label("Country of partner 2").select_option("PL")
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_text("Project “Brücken bauen” created.")).to_be_visible()
    project = Project.objects.get()
    sign_out(page, live_url)

    individual = accepted(
        make_individual(project, "olena@example.test", first_name="Olena", surname="Kovalenko", country="UA"),
        learner,
        organiser,
        data=full_data(
            first_name="Olena",
            surname="Kovalenko",
            training_activities="Workshops über Mediation",
            competence_multilingual="Ich habe auf Deutsch, Polnisch und Englisch gesprochen.",
        ),
    )
    services.certificate_render(
        certificate_id=services.certificates._generate(individual, organiser).pk  # rendered now, as the task would
    )
    certificate = individual.certificates.get()

    # The learner downloads the German PDF and asks for the same certificate in Ukrainian.
    sign_in(page, live_url, "olena@example.test", PASSWORD)
    page.goto(f"{live_url}/me/")
    page.get_by_role("link", name="Other languages Brücken bauen").click()
    form_language = page.locator('div[lang="de"]')
    with page.expect_download() as german:
        page.get_by_role("link", name="Download certificate (PDF)").click()
    german_text = _pdf_text(german.value)
    assert certificate.code in german_text and "Über dieses Zertifikat" in german_text
    assert "Erasmus+ Jugend" in german_text and "2026-1-DE04-KA152-YOU-000777" in german_text
    assert "Молодіжний центр Львів (Ukraine)" in german_text and "Mehrsprachenkompetenz" in german_text
    expect(form_language.first).to_contain_text("Mehrsprachenkompetenz")
    assert_accessible(page)
    page.get_by_label("The same certificate in another language").select_option("uk")
    page.get_by_role("button", name="Prepare it").click()
    expect(page.get_by_text("Your certificate in Українська is being prepared")).to_be_visible()
    ukrainian_link = page.get_by_role("link", name=re.compile("Download Українська"))
    expect(ukrainian_link).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    with page.expect_download() as ukrainian:
        ukrainian_link.click()
    ukrainian_text = _pdf_text(ukrainian.value)
    assert certificate.code in ukrainian_text
    assert "Про цей сертифікат" in ukrainian_text and "Багатомовна компетентність" in ukrainian_text
    assert "Erasmus+ Молодь" in ukrainian_text and "Fundacja Most (Польща)" in ukrainian_text
    # What the learner wrote stays as written.
    assert "Ich habe auf Deutsch, Polnisch und Englisch gesprochen." in ukrainian_text

    # The code on the Ukrainian copy verifies: the page speaks German, and Ukrainian on request.
    page.goto(f"{live_url}/verify/")
    page.get_by_label("Certificate code").fill(re.search(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", ukrainian_text).group(0))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Gültig.")).to_be_visible()
    expect(page.locator('div[lang="de"]')).to_contain_text("Olena Kovalenko")
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Українська").click()
    expect(page.get_by_text("Дійсний.")).to_be_visible()
    expect(page.locator('div[lang="uk"]')).to_contain_text("Молодіжний обмін")
    assert_accessible(page)
