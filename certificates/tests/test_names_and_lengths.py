"""Names that reach file names refuse control characters; bulk rows obey the single form's lengths."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import Individual, Project
from certificates.tests.factories import make_project

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 250 + "@example.test"  # 263 characters: an address Django's validator takes, the column does not


def project_data(**overrides):
    data = {
        "title": "Bridges",
        "activity_type": "volunteering",
        "start_date": "2026-05-01",
        "end_date": "2026-05-10",
        "venue": "Ljubljana",
        "description": "",
        "language": "en",
        "representative_name": "Rita Rep",
        "representative_role": "Director",
        "mentor_name": "",
        "mentor_role": "",
    }
    return {**data, **overrides}


def test_a_project_title_with_a_line_break_is_refused(login, org, organiser):
    response = login(organiser).post(
        reverse("certificates:project_create", kwargs={"org_slug": org.slug}), project_data(title="Bridges\r\nX")
    )
    assert response.status_code == 200
    assert "Remove the line breaks, tabs and other control characters." in response.content.decode()
    assert not Project.objects.exists()


def test_an_individual_name_with_control_characters_is_refused(login, org, organiser):
    project = make_project(org)
    data = {"first_name": "Lea\x00", "surname": "Mar\ntin", "email": "lea@example.test", "country": "FR"}
    response = login(organiser).post(
        reverse("certificates:individual_add", kwargs={"org_slug": org.slug, "pk": project.pk}),
        {**data, "role": "participant"},
    )
    assert "Remove the line breaks, tabs and other control characters." in response.content.decode()
    assert not Individual.objects.exists()


def test_the_single_form_refuses_an_address_longer_than_the_database_holds(login, org, organiser):
    project = make_project(org)
    data = {"first_name": "Lea", "surname": "Martin", "email": LONG_EMAIL, "country": "FR", "role": "participant"}
    response = login(organiser).post(
        reverse("certificates:individual_add", kwargs={"org_slug": org.slug, "pk": project.pk}), data
    )
    assert "at most 254 characters" in response.content.decode()
    assert not Individual.objects.exists()


def test_imported_rows_obey_the_same_limits(login, org, organiser):
    project = make_project(org)
    csv = (
        "first_name,surname,email,country\r\n"
        f"Lea,Martin,{LONG_EMAIL},FR\r\n"
        '"Jo\tnas",Berg,jonas@example.test,DE\r\n'
        "Ana,Costa,ana@example.test,PT\r\n"
    ).encode()
    response = login(organiser).post(
        reverse("certificates:individuals_import", kwargs={"org_slug": org.slug, "pk": project.pk}),
        {"file": SimpleUploadedFile("people.csv", csv, content_type="text/csv")},
    )
    page = response.content.decode()
    assert "At most 254 characters." in page
    assert "Remove the line breaks, tabs and other control characters." in page
    assert not Individual.objects.exists()
