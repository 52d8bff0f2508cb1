import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learnerpass.lib.csvexport import neutralise
from learnerpass.lib.tabular import TableError, read_table
from learnerpass.lib.tokens import hash_token, new_token


def upload(data: bytes, name="file.csv"):
    return SimpleUploadedFile(name, data)


def test_a_csv_with_bom_semicolons_crlf_and_spaced_headers_is_read():
    table = read_table(upload("\ufeffFirst Name ; Email\r\n Ana ; ANA@example.test \r\n\r\n".encode()))
    assert table.header == ["first_name", "email"]
    assert table.rows == [(2, {"first_name": "Ana", "email": "ANA@example.test"})]


def test_an_xlsx_is_read_with_dates_as_text():
    import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["email", "expiry_time"])
    workbook.active.append(["a@example.test", datetime.datetime(2027, 1, 2, 3, 4, 5)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(upload(buffer.getvalue(), "x.xlsx"))
    assert table.rows == [(2, {"email": "a@example.test", "expiry_time": "2027-01-02 03:04:05"})]


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "a.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "a.csv", "This is not a CSV or XLSX table"),
        (b"just one column\nx\n", "a.csv", "the first row must name the columns"),
        (b"PK\x03\x04 broken", "a.xlsx", "could not be opened"),
    ],
)
def test_what_is_not_a_table_is_refused_with_a_clear_message(data, name, message):
    with pytest.raises(TableError, match=message):
        read_table(upload(data, name))


def test_a_windows_excel_csv_in_cp1252_is_read_and_says_so():
    # What Excel on Windows saves as "CSV (Comma delimited)": cp1252, semicolons in many locales, CRLF.
    data = "Nom;Émail\r\nZoë “Zo” Dupré;zoe@example.test\r\nCafé €;x@example.test\r\n".encode("cp1252")
    table = read_table(upload(data))
    assert table.encoding == "Windows-1252"
    assert table.header == ["nom", "émail"]
    assert [row["nom"] for _number, row in table.rows] == ["Zoë “Zo” Dupré", "Café €"]


def test_utf8_is_tried_first_and_said():
    table = read_table(upload("name,email\nZoë,z@example.test\n".encode()))
    assert table.encoding == "UTF-8" and table.rows[0][1]["name"] == "Zoë"
    assert read_table(upload("\ufeffname,email\nZoë,z@example.test\n".encode())).encoding == "UTF-8"


def test_bytes_that_windows_1252_leaves_undefined_are_read_as_latin_1():
    table = read_table(upload(b"name,email\n\x81Zo\xeb,z@example.test\n"))
    assert table.encoding == "Latin-1" and table.rows[0][1]["name"] == "\x81Zoë"


def test_an_xlsx_has_no_text_encoding():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["email", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(upload(buffer.getvalue(), "x.xlsx")).encoding == ""


def test_a_file_over_the_limit_is_refused():
    with pytest.raises(TableError, match="too large"):
        read_table(upload(b"a,b\n" + b"1,2\n" * 100), max_bytes=50)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_plain_cells_stay_as_they_are():
    assert neutralise("Ana") == "Ana" and neutralise(None) == "" and neutralise(12) == "12"


def test_tokens_are_long_random_and_stored_as_their_hash():
    raw, digest = new_token()
    assert len(raw) >= 43 and digest == hash_token(raw) and raw not in digest
    assert new_token()[0] != raw


def test_sniffing_refuses_a_non_table_before_it_is_stored_and_rewinds():
    from learnerpass.lib.tabular import sniff_table

    with pytest.raises(TableError, match="not a CSV or XLSX"):
        sniff_table(upload(b"\x00\x01binary"))
    with pytest.raises(TableError, match="must name the columns"):
        sniff_table(upload(b"no separators here\n"))
    good = upload(b"a;b\n1;2\n")
    sniff_table(good)
    assert good.read() == b"a;b\n1;2\n"


def test_capped_counts_stop_one_past_the_cap_and_read_as_more_than_it(db, monkeypatch):
    from learnerpass.lib.counts import CappedNumber, capped_count
    from learnerpass.templatetags.learnerpass_tags import capped, figure
    from organisations.models import Organisation

    for n in range(5):
        Organisation.objects.create(name=f"O{n}", slug=f"o{n}")
    assert capped_count(Organisation.objects.all(), cap=3) == 4
    assert capped_count(Organisation.objects.all(), cap=10) == 5
    assert isinstance(capped_count(Organisation.objects.all()), CappedNumber)
    assert capped(1001) == "1,000+" and capped(1000) == "1,000" and capped(12) == "12"
    assert figure(CappedNumber(1001)) == "1,000+" and figure(5000) == "5,000"
