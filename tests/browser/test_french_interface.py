"""A learner and an organiser choose French in the footer and read French everywhere they go: the learner's
dashboard and the badges catalogue; the organisation home, an upload of invitations with errors and a
certificates project. Every page passes axe-core and fits a phone in French too (French runs longer)."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, make_member, make_user
from learnerpass.tests.french import build_french_world, english_on, french_catalogue, upload_with_errors
from organisations.models import Organisation, Role
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_french(page, catalogue) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert english_on(page.content(), catalogue) == {"untranslated": [], "english": []}, page.url
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def choose_french(page) -> None:
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()


def test_a_learner_and_an_organiser_choose_french_and_read_french_everywhere(page, live_url, tmp_path):
    org = Organisation.objects.create(name="Réseau", slug="reseau", contact_email="bonjour@reseau.test")
    make_member(org, "admin@reseau.test", Role.ADMIN)
    organiser = make_member(org, "organisatrice@reseau.test", Role.ORGANISER)
    manager = make_member(org, "responsable@reseau.test", Role.LEARNING_MANAGER)
    learner = make_user("lea@exemple.test")
    world = build_french_world(org=org, organiser=organiser, learning_manager=manager, learner=learner)
    catalogue = french_catalogue()

    # The learner switches the interface to French from the footer of their dashboard.
    sign_in(page, live_url, learner.email, PASSWORD)
    page.goto(f"{live_url}/me/")
    choose_french(page)
    expect(page.get_by_role("heading", name="Mes apprentissages")).to_be_visible()
    expect(page.get_by_text("Licence d’animation")).to_be_visible()
    check_french(page, catalogue)
    page.get_by_role("navigation").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", name="Premiers secours")).to_be_visible()
    check_french(page, catalogue)

    # The admin signs in on the same browser: French stays chosen.
    page.goto(f"{live_url}/accounts/logout/")
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("E-mail").fill("admin@reseau.test")
    page.get_by_label("Mot de passe*", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(f"{live_url}/o/reseau/")
    expect(page.get_by_role("heading", name="Réseau Jeunesse Solidaire")).to_be_visible()
    check_french(page, catalogue)

    # An upload with mistakes: every problem is told in French, next to its cell.
    page.get_by_role("link", name="Inviter et inscrire des apprenants").first.click()
    page.get_by_label("Inviter des apprenants à des microcertifications et à des diplômes").check()
    page.get_by_label("Plusieurs apprenants, depuis un fichier Excel ou CSV").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Inviter des apprenants depuis un fichier")).to_be_visible()
    check_french(page, catalogue)
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    upload = tmp_path / "invitations.csv"
    upload.write_bytes(upload_with_errors(expiry))
    page.get_by_label("Fichier XLSX ou CSV").set_input_files(upload)
    page.get_by_role("button", name="Importer et vérifier").click()
    expect(page.locator("#row-3")).to_contain_text("La date 2026-02-30 n’existe pas.")
    expect(page.get_by_role("link", name="la première ligne avec erreurs (ligne 3)")).to_be_visible()
    check_french(page, catalogue)

    # The certificates project, with an individual in each state.
    page.goto(f"{live_url}/o/reseau/projects/{world['project'].pk}/")
    expect(page.get_by_role("heading", name="Ponts entre cultures")).to_be_visible()
    check_french(page, catalogue)
