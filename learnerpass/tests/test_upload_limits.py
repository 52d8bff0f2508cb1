"""Issue 8, finding 3: every upload has a bounded cost; each bomb is refused with a clear message."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from learnerpass.lib import images
from learnerpass.lib.tabular import TableError, read_table
from learnerpass.tests import bombs
from programs.models import ImportBatch

REFUSED = "unpacks to far more than its size"


def timed_read(data: bytes, name: str, **kwargs):
    started = time.perf_counter()
    try:
        return read_table(SimpleUploadedFile(name, data), **kwargs), time.perf_counter() - started
    except TableError as exc:
        return exc, time.perf_counter() - started


@pytest.mark.parametrize(
    "build, message",
    [
        (bombs.xlsx_empty_rows, REFUSED),  # 154 KB holding 100 MB of empty rows (79 s, 1.87 GB before)
        (lambda: bombs.xlsx_shared_strings(megabytes=40), REFUSED),
        (lambda: bombs.xlsx_huge_cell(megabytes=100), REFUSED),
        (bombs.xlsx_many_entries, "too many parts"),
    ],
    ids=["empty-rows", "shared-strings", "huge-cell", "many-entries"],
)
def test_each_xlsx_bomb_is_refused_with_a_message_in_under_two_seconds(build, message):
    result, seconds = timed_read(build(), "bomb.xlsx")

    assert isinstance(result, TableError) and message in str(result)
    assert seconds < 2


@pytest.mark.parametrize("build", [bombs.xlsx_far_row, bombs.xlsx_wide_rows], ids=["far-row", "wide-rows"])
def test_sheets_that_only_pretend_to_be_huge_are_read_cheaply(build):
    result, seconds = timed_read(build(), "sheet.xlsx")

    assert not isinstance(result, TableError)
    assert result.rows == []
    assert seconds < 2


def test_a_csv_past_the_row_limit_is_refused_before_its_rows_are_built():
    result, seconds = timed_read(bombs.csv_rows(500_000), "rows.csv", max_rows=1000)

    assert isinstance(result, TableError)
    assert "more than 1,000 rows" in str(result)
    assert seconds < 2


def test_an_xlsx_past_the_row_limit_is_refused():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "name"])
    for index in range(30):
        sheet.append([f"p{index}@example.test", "P"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result, _seconds = timed_read(buffer.getvalue(), "rows.xlsx", max_rows=20)

    assert isinstance(result, TableError) and "more than 20 rows" in str(result)


def test_a_table_ends_after_a_thousand_empty_rows():
    data = b"email,name\na@example.test,A\n" + b",\n" * 1000 + b"b@example.test,B\n"

    table = read_table(SimpleUploadedFile("t.csv", data))

    assert [cells["email"] for _number, cells in table.rows] == ["a@example.test"]


def test_an_xlsx_with_a_doctype_is_refused():
    data = bombs._xlsx([b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'])

    result, _seconds = timed_read(data, "doctype.xlsx")

    assert isinstance(result, TableError)


def test_the_bulk_invitation_upload_refuses_a_bomb_with_the_message_and_stores_nothing(login, org, learning_manager):
    url = reverse("programs:import_upload", kwargs={"org_slug": org.slug})

    response = login(learning_manager).post(
        url, {"file": SimpleUploadedFile("invites.xlsx", bombs.xlsx_empty_rows())}, follow=True
    )

    assert REFUSED in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_huge_png_logo_is_a_form_error(login, org, org_admin):
    logo = SimpleUploadedFile("logo.png", bombs.png_dimensions(12000, 12000))

    response = login(org_admin).post(
        reverse("organisations:settings", kwargs={"org_slug": org.slug}),
        {"name": org.name, "contact_email": org.contact_email, "website": "", "description": "", "logo": logo},
    )

    assert response.status_code == 200
    assert "at most 4,096 × 4,096 pixels" in response.content.decode()
    org.refresh_from_db()
    assert not org.logo


def test_a_logo_is_shrunk_once_on_upload(login, org, org_admin, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500), "navy").save(buffer, format="JPEG")
    url = reverse("organisations:settings", kwargs={"org_slug": org.slug})
    form = {"name": org.name, "contact_email": org.contact_email, "website": "", "description": ""}

    with django_capture_on_commit_callbacks(execute=True):
        login(org_admin).post(url, {**form, "logo": SimpleUploadedFile("logo.jpg", buffer.getvalue())})
    org.refresh_from_db()
    first = org.logo.name
    with org.logo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG" and image.size == (600, 300)

    with django_capture_on_commit_callbacks(execute=True):
        login(org_admin).post(url, {**form, "logo": SimpleUploadedFile("logo.jpg", buffer.getvalue())})
    org.refresh_from_db()
    from django.core.files.storage import storages

    assert org.logo.name != first and not storages["public"].exists(first)


def test_pillows_decompression_bomb_guard_becomes_the_same_message():
    with pytest.raises(images.UploadedImageError, match="4,096"):
        images.inspect(bombs.png_dimensions(20000, 10000), formats={"PNG"})
