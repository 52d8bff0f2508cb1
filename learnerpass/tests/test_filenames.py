"""Download names and the names and codes that become them."""

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import parse_header_parameters

from learnerpass.lib.csvexport import csv_response
from learnerpass.lib.filenames import (
    code_problem,
    content_disposition,
    download_name,
    has_control_characters,
    validate_no_control_characters,
)


def parameters(value: str) -> tuple[str, dict]:
    return parse_header_parameters(value)


def test_a_plain_name_is_one_quoted_filename():
    assert content_disposition("MC-DATA-2026-SPRING-enrolled.csv") == (
        'attachment; filename="MC-DATA-2026-SPRING-enrolled.csv"'
    )


def test_a_quote_cannot_inject_another_parameter():
    value = content_disposition("""x"; filename*=UTF-8''evil.html; a=".csv""")
    disposition, params = parameters(value)
    assert disposition == "attachment"
    assert list(params) == ["filename"]
    assert params["filename"].endswith(".csv") and "evil.html" in params["filename"]


@pytest.mark.parametrize("name", ["Forest\nfirst aid.png", "Forest\r\nfirst aid.png", "A\x00B\x1b.png", "A\u2028B.png"])
def test_control_characters_never_reach_the_header(name):
    value = content_disposition(name)
    assert not has_control_characters(value) and "\n" not in value and "\r" not in value
    response = HttpResponse()
    response["Content-Disposition"] = value  # would raise BadHeaderError with a line break
    assert parameters(value)[1]["filename"].endswith(".png")


def test_a_non_ascii_name_is_percent_encoded_not_mime_encoded():
    response = HttpResponse()
    response["Content-Disposition"] = content_disposition("Éducation à l'environnement-badge.png")
    value = response["Content-Disposition"]
    assert value == "attachment; filename*=utf-8''%C3%89ducation%20%C3%A0%20l%27environnement-badge.png"
    assert "=?utf-8?" not in value


def test_a_bidirectional_override_cannot_disguise_the_extension():
    assert download_name("invoice\u202efdp.exe") == "invoice fdp.exe"


def test_path_separators_are_not_kept():
    assert download_name("../../etc/passwd") == "-..-etc-passwd"
    assert download_name("a\\b.csv") == "a-b.csv"


def test_an_empty_or_blank_name_gets_the_fallback():
    assert download_name("\n\t ") == "download"
    assert content_disposition("") == 'attachment; filename="download"'


def test_a_long_name_keeps_its_extension():
    name = download_name("x" * 500 + ".csv")
    assert len(name) == 150 and name.endswith("x.csv")


def test_inline_is_possible():
    assert content_disposition("badge.png", attachment=False) == 'inline; filename="badge.png"'


def test_csv_downloads_use_the_helper():
    response = csv_response('MC"\r\nDATA.csv', ["a"], [])
    assert response["Content-Disposition"] == 'attachment; filename="MC- DATA.csv"'


def test_the_control_character_validator_names_the_problem():
    validate_no_control_characters("Forest first aid – Éte 2026")
    with pytest.raises(ValidationError, match="line breaks, tabs and other control characters"):
        validate_no_control_characters("Forest\nfirst aid")
    with pytest.raises(ValidationError):
        validate_no_control_characters("Tab\there")


@pytest.mark.parametrize("code", ["MC-DATA", "2026-SPRING", "ba_yw", "v1.2", "2026-27", "X"])
def test_codes_that_follow_the_pattern(code):
    assert code_problem(code) is None


@pytest.mark.parametrize(
    "code",
    ["MC DATA", "MC\r\nDATA", "x\"; filename*=UTF-8''evil.html; a=\"", "-LEADING", ".hidden", "Kód", "a/b", "x" * 51],
)
def test_codes_that_break_the_pattern_are_refused_with_the_reason(code):
    assert code_problem(code)


def test_no_download_sets_its_name_by_hand():
    """Every download name goes through learnerpass.lib.filenames; a hand-built header is how the injections came in."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    by_hand = re.compile(
        r"""\[["']Content-Disposition["']\]\s*=|content_disposition_header\(|as_attachment\s*=\s*True"""
    )
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if (
            relative.startswith((".venv", ".ob-venv", "bench/"))
            or "/tests/" in relative
            or relative.startswith("tests/")
        ):
            continue
        if relative == "learnerpass/lib/filenames.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if by_hand.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "use learnerpass.lib.filenames.name_download:\n" + "\n".join(offenders)
