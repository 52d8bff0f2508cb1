import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import AuditEntry, Individual
from certificates.tests.factories import make_individual, make_project

pytestmark = pytest.mark.django_db


def upload(client, org, project, content: bytes, name="people.csv"):
    return client.post(
        reverse("certificates:individuals_import", kwargs={"org_slug": org.slug, "pk": project.pk}),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def confirm(client, org, project, upload_id=None):
    """Press Import on the latest preview (its id comes with the page, as the form would send it)."""
    if upload_id is None:
        upload_id = (client.session.get(f"certificates_import_{project.pk}") or {}).get("id", "x")
    return client.post(
        reverse("certificates:individuals_import", kwargs={"org_slug": org.slug, "pk": project.pk}),
        {"confirm": upload_id},
    )


def test_a_clean_csv_is_previewed_then_imports_everyone(login, org, organiser):
    project = make_project(org)
    csv = (
        "\ufefffirst_name;surname;email;country;role\r\n"
        "Lea;Martin;LEA@example.test;FR;participant\r\n"
        "Jonas;Berg;jonas@example.test;Germany;team member\r\n"
        "Ana;Costa;ana@example.test;pt;\r\n"
    ).encode()
    client = login(organiser)
    response = upload(client, org, project, csv)
    page = response.content.decode()
    assert response.status_code == 200 and "3 people are ready to import" in page
    # The preview says what will be stored in words the organiser reads, not codes.
    assert "Germany" in page and "Team member" in page
    assert not Individual.objects.exists()
    response = confirm(client, org, project)
    assert response.status_code == 302
    people = {i.email: i for i in Individual.objects.all()}
    assert set(people) == {"lea@example.test", "jonas@example.test", "ana@example.test"}
    assert people["jonas@example.test"].country.code == "DE"
    assert people["jonas@example.test"].role == "team_member"
    assert people["ana@example.test"].country.code == "PT" and people["ana@example.test"].role == "participant"
    assert AuditEntry.objects.filter(action="created").count() == 3


def test_the_message_after_importing_one_person_is_in_the_singular(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    upload(client, org, project, b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\n")
    response = confirm(client, org, project)
    page = client.get(response.url).content.decode()
    assert "1 individual imported." in page


def test_the_message_after_importing_two_people_is_in_the_plural(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    csv = b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\nAna,Costa,ana@example.test,PT\n"
    upload(client, org, project, csv)
    response = confirm(client, org, project)
    page = client.get(response.url).content.decode()
    assert "2 individuals imported." in page


def test_every_error_is_listed_by_row_and_column_and_nothing_is_imported(login, org, organiser):
    project = make_project(org)
    make_individual(project, "taken@example.test")
    csv = (
        b"first_name,surname,email,country,role\n"
        b"Lea,Martin,lea@example.test,FR,participant\n"
        b",Berg,not-an-email,Atlantis,boss\n"
        b"Ana,Costa,taken@example.test,PT,\n"
        b"Eve,Costa,lea@example.test,PT,\n"
    )
    response = upload(login(organiser), org, project, csv)
    assert response.status_code == 200
    errors = {(e["row"], e["column"]) for e in response.context["errors"]}
    assert errors == {(3, "first_name"), (3, "email"), (3, "country"), (3, "role"), (4, "email"), (5, "email")}
    body = response.content.decode()
    assert "Nothing was imported" in body and "Atlantis" in body
    assert Individual.objects.count() == 1


def test_a_missing_column_is_reported(login, org, organiser):
    project = make_project(org)
    response = upload(login(organiser), org, project, b"first_name,surname,email\nLea,Martin,lea@example.test\n")
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [(1, "country")]
    assert not Individual.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "people.csv", "empty"),
        (b"\x00\x01\x02binary", "people.csv", "not a CSV"),
        ("first_name,surname\n".encode("utf-16"), "people.csv", "not a CSV"),
        (b"PK\x03\x04broken", "people.xlsx", "could not be opened"),
    ],
)
def test_bad_files_are_refused_with_a_reason(login, org, organiser, content, name, message):
    project = make_project(org)
    response = upload(login(organiser), org, project, content, name)
    body = response.content.decode()
    assert message in body or "The submitted file is empty" in body
    assert not Individual.objects.exists()


def test_a_file_of_another_type_is_refused(login, org, organiser):
    project = make_project(org)
    response = upload(login(organiser), org, project, b"first_name,surname\n", "people.pdf")
    assert "Upload a .csv or .xlsx file" in response.content.decode()


def test_an_xlsx_file_works_too(login, org, organiser):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Surname", "Email", "Country"])
    sheet.append(["Lea", "Martin", "lea@example.test", "France"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    project = make_project(org)
    client = login(organiser)
    upload(client, org, project, buffer.getvalue(), "people.xlsx")
    assert confirm(client, org, project).status_code == 302
    assert Individual.objects.get().country.code == "FR"


def test_an_oversize_file_is_refused(login, org, organiser, settings):
    settings.MAX_UPLOAD_BYTES = 100
    project = make_project(org)
    response = upload(login(organiser), org, project, b"first_name,surname,email,country\n" + b"a,b,c@d.test,FR\n" * 20)
    assert "too large" in response.content.decode()
    assert not Individual.objects.exists()


def test_confirming_without_a_checked_file_imports_nothing(login, org, organiser):
    project = make_project(org)
    response = confirm(login(organiser), org, project)
    assert response.status_code == 302 and not Individual.objects.exists()


def test_confirming_twice_imports_once(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    upload(client, org, project, b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\n")
    confirm(client, org, project)
    confirm(client, org, project)
    assert Individual.objects.count() == 1


def test_people_added_between_check_and_confirmation_are_reported(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    upload(client, org, project, b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\n")
    make_individual(project, "lea@example.test")
    response = confirm(client, org, project)
    assert "added meanwhile" in client.get(response["Location"]).content.decode()
    assert Individual.objects.count() == 1


def test_the_template_download_is_a_file_the_import_accepts(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    page = client.get(reverse("certificates:individuals_import", kwargs={"org_slug": org.slug, "pk": project.pk}))
    template_url = reverse("certificates:individuals_import_template", kwargs={"org_slug": org.slug, "pk": project.pk})
    assert template_url in page.content.decode()
    response = client.get(template_url)
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.decode("utf-8-sig").splitlines()[0] == "first_name,surname,email,country,role"
    response = upload(client, org, project, content, name="template.csv")
    assert "2 people are ready to import" in response.content.decode()


def test_importing_from_an_older_preview_imports_nothing_after_a_newer_upload(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    first = upload(client, org, project, b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\n")
    old_preview = first.context["upload_id"]
    assert f'value="{old_preview}"' in first.content.decode()
    upload(client, org, project, b"first_name,surname,email,country\nAna,Costa,ana@example.test,PT\n")
    response = confirm(client, org, project, upload_id=old_preview)
    assert response.status_code == 302
    assert not Individual.objects.exists()
    assert "replaced by a newer upload" in client.get(response["Location"]).content.decode()
    confirm(client, org, project)
    assert list(Individual.objects.values_list("email", flat=True)) == ["ana@example.test"]


def test_the_errors_download_lists_row_column_value_and_problem_with_formulas_neutralised(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    page = upload(
        client, org, project, b"first_name,surname,email,country\nLea,Berg,bad,Atlantis\nAna,Costa,=cmd(),PT\n"
    )
    errors_url = reverse("certificates:individuals_import_errors", kwargs={"org_slug": org.slug, "pk": project.pk})
    assert errors_url in page.content.decode()
    content = b"".join(client.get(errors_url).streaming_content).decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0] == "row,column,value,problem"
    assert "2,email,bad,“bad” is not a valid email address." in lines
    assert any(line.startswith("2,country,Atlantis,") for line in lines)
    assert any(line.startswith("3,email,'=cmd(),") for line in lines)
    # A clean file afterwards leaves nothing to download.
    upload(client, org, project, b"first_name,surname,email,country\nLea,Martin,lea@example.test,FR\n")
    assert b"".join(client.get(errors_url).streaming_content).decode("utf-8-sig").splitlines() == [
        "row,column,value,problem"
    ]
