"""The certificate of a real project: programme, grant number, partners with countries, the eight key
competences under their full names (described in the learner's form), the logo and a closing page."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certificates import pdf, services
from certificates.models import Programme, Project
from certificates.snapshot import certificate_snapshot
from certificates.tests.factories import accepted, editing, full_data, make_individual, make_project

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


PROJECT_POST = {
    "title": "Bridges of Trust",
    "programme": "erasmus_youth",
    "programme_name": "",
    "grant_number": "2026-1-PT02-KA152-YOU-000123",
    "activity_type": "youth_exchange",
    "start_date": "2026-06-01",
    "end_date": "2026-06-10",
    "venue": "Porto",
    "description": "",
    "language": "en",
    "representative_name": "Maria Silva",
    "representative_role": "Director",
    "mentor_name": "",
    "mentor_role": "",
    "partners-TOTAL_FORMS": "3",
    "partners-INITIAL_FORMS": "0",
    "partners-MIN_NUM_FORMS": "0",
    "partners-MAX_NUM_FORMS": "30",
    "partners-0-name": "Jugendwerk Nord",
    "partners-0-country": "DE",
    "partners-1-name": "Asociación Puente",
    "partners-1-country": "ES",
    "partners-2-name": "",
    "partners-2-country": "",
}


def _text(data: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_an_organiser_creates_a_project_with_programme_grant_number_and_partners(login, org, organiser):
    response = login(organiser).post(url("project_create", org), PROJECT_POST)
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.programme == Programme.ERASMUS_YOUTH and project.grant_number.endswith("000123")
    assert [(p.name, p.country.code) for p in project.partners.all()] == [
        ("Jugendwerk Nord", "DE"),
        ("Asociación Puente", "ES"),
    ]


def test_editing_the_project_replaces_its_partners_and_shows_them(login, org, organiser):
    client = login(organiser)
    client.post(url("project_create", org), PROJECT_POST)
    project = Project.objects.get()
    page = client.get(url("project_edit", org, pk=project.pk)).content.decode()
    assert 'value="Jugendwerk Nord"' in page and "Partner organisation 3" in page
    post = {
        **PROJECT_POST,
        "partners-TOTAL_FORMS": "2",
        "partners-INITIAL_FORMS": "2",
        "partners-0-name": "",
        "partners-0-country": "",
        "partners-1-name": "Asociación Puente",
        "partners-1-country": "ES",
    }
    assert client.post(url("project_edit", org, pk=project.pk), post).status_code == 302
    assert [p.name for p in project.partners.all()] == ["Asociación Puente"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"partners-0-country": ""}, "Choose the partner&#x27;s country."),
        ({"partners-0-name": ""}, "Name the partner organisation."),
        ({"programme": "other"}, "Name the programme"),
    ],
)
def test_half_filled_partners_or_an_unnamed_programme_are_refused(login, org, organiser, change, message):
    response = login(organiser).post(url("project_create", org), {**PROJECT_POST, **change})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Project.objects.exists()


def test_another_programme_prints_its_own_name(org):
    project = make_project(org, programme=Programme.OTHER, programme_name="Nordplus Youth")
    assert project.programme_label == "Nordplus Youth"
    with pytest.raises(services.CertificatesError):
        services.project_update(project=project, programme=Programme.OTHER, programme_name=" ")


@pytest.fixture
def rich(org, organiser, learner):
    project = make_project(org, programme=Programme.SOLIDARITY_CORPS, grant_number="2026-2-DE04-ESC30-000042")
    project.partners.create(name="Jugendwerk Nord", country="DE", position=0)
    project.partners.create(name="Asociația Punte", country="RO", position=1)
    individual = accepted(make_individual(project), learner, organiser, data=full_data(competence_cultural="Theatre"))
    return services.certificates._generate(individual, organiser)


def test_the_snapshot_keeps_programme_grant_number_and_partners(rich):
    project = rich.data["project"]
    assert project["programme"] == "European Solidarity Corps" and project["programme_key"] == "solidarity_corps"
    assert project["grant_number"] == "2026-2-DE04-ESC30-000042"
    assert rich.data["partners"] == [
        {"name": "Jugendwerk Nord", "country": "DE"},
        {"name": "Asociația Punte", "country": "RO"},
    ]


def test_the_pdf_prints_programme_grant_number_partners_competences_and_a_closing_page(rich):
    reader = PdfReader(io.BytesIO(pdf.render_certificate_pdf(rich)))
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "European Solidarity Corps",
        "2026-2-DE04-ESC30-000042",
        "Jugendwerk Nord (Germany)",
        "Asociația Punte (Romania)",
        "Cultural awareness and expression competence",
        "Personal, social and learning to learn competence",
    ):
        assert expected in text, expected
    closing = " ".join(reader.pages[-1].extract_text().split())
    assert "About this certificate" in closing and "How to check that it is genuine" in closing
    assert rich.code in closing and rich.verify_url in closing
    assert "Mathematical competence and competence in science, technology and engineering" in closing


def test_a_partner_change_makes_the_certificate_out_of_date(rich):
    individual = rich.individual
    project = individual.project
    project.partners.create(name="Third Partner", country="IT", position=2)
    individual = type(individual).objects.select_related("project__organisation").get(pk=individual.pk)
    assert certificate_snapshot(individual)["partners"][-1]["name"] == "Third Partner"
    from certificates.snapshot import certificate_is_current

    assert not certificate_is_current(rich, individual)


def test_certificates_made_before_programmes_existed_are_not_out_of_date_for_lacking_them(rich):
    from certificates.snapshot import certificate_is_current

    old = {key: value for key, value in rich.data.items() if key != "partners"}
    old["project"] = {k: v for k, v in rich.data["project"].items() if not k.startswith(("programme", "grant"))}
    rich.data = old
    individual = type(rich.individual).objects.select_related("project__organisation").get(pk=rich.individual_id)
    assert certificate_is_current(rich, individual)
    assert certificate_snapshot(individual)["partners"]


def test_the_learners_form_names_each_key_competence_in_full_with_a_short_description(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    body = login(learner).get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    page = " ".join(body.content.decode().split())
    for title in (
        "Literacy competence",
        "Multilingual competence",
        "Mathematical competence and competence in science, technology and engineering",
        "Digital competence",
        "Personal, social and learning to learn competence",
        "Citizenship competence",
        "Entrepreneurship competence",
        "Cultural awareness and expression competence",
    ):
        assert f'class="form-label"> {title} </label>' in page, title
    assert "Using different languages, including ones you are learning" in page
