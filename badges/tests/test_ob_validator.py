"""The official 1EdTech/IMS Open Badges 2.0 validator checks our documents against the live server.

It lives in its own virtual environment (.ob-venv, see the README, Open Badges section; `make ob-venv` creates it). Without it these
tests fail in CI (CI=true) and are skipped elsewhere.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from badges import services
from badges.models import Task
from badges.tests.conftest import add_task, enable_link, publish_activity
from conftest import make_member, make_user
from organisations.models import Organisation, Role

ROOT = Path(settings.BASE_DIR)
OB_PYTHON = ROOT / ".ob-venv" / "bin" / "python"
RUNNER = ROOT / "badges" / "validator" / "run_validator.py"

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def validator():
    if not OB_PYTHON.exists():
        message = f"The Open Badges validator is not installed at {OB_PYTHON}; see the README, Open Badges section; `make ob-venv` creates it."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    def run(*args: str) -> dict:
        result = subprocess.run(
            [str(OB_PYTHON), str(RUNNER), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.stdout, result.stderr
        return json.loads(result.stdout)

    return run


@pytest.fixture
def issuer(live_server, settings):
    settings.SITE_URL = live_server.url
    org = Organisation.objects.create(
        name="River Youth Centre",
        slug="river",
        contact_email="badges@river.test",
        website="https://river.example.org",
        description="Youth work by the river.",
    )
    organiser = make_member(org, "organiser@river.test", Role.ORGANISER)
    return org, organiser


def assert_valid(report: dict) -> None:
    errors = [m for m in report["report"]["messages"] if m["messageLevel"] == "ERROR"]
    assert report["report"]["valid"] is True, errors
    assert report["report"]["errorCount"] == 0, errors


def test_a_plain_assertion_passes_the_official_validator(issuer, validator):
    org, organiser = issuer
    badge = publish_activity(org, organiser, title="River clean-up").badge
    services.badge_issue_to_emails(badge=badge, text="Ana.Lopez@Example.test", issued_by=organiser)
    assertion = badge.assertions.get()

    report = validator("--email", "ana.lopez@example.test", f"{settings.SITE_URL}{assertion.get_absolute_url()}")

    assert_valid(report)
    assert report["report"]["recipientProfile"]["email"] == "ana.lopez@example.test"


def test_an_assertion_with_evidence_passes_the_official_validator(issuer, validator):
    org, organiser = issuer
    badge = publish_activity(org, organiser, title="Peer mentoring").badge
    task = add_task(badge, organiser, approval=Task.Approval.SELF, title="Describe a session")
    link_task = add_task(badge, organiser, approval=Task.Approval.ORGANISER, evidence=Task.Evidence.LINK)
    link = enable_link(badge, organiser)
    learner = make_user("mentor@example.test")
    services.badge_link_claim(code=link.code, user=learner)
    services.evidence_submit(task=task, learner=learner, text="I mentored two newcomers for a month.")
    submission = services.evidence_submit(task=link_task, learner=learner, url="https://blog.example.org/mentoring")
    services.evidence_review(submission=submission, reviewer=organiser, approve=True, as_organiser=True)
    assertion = badge.assertions.get()
    assert len(assertion.evidence) == 2

    report = validator("--email", "mentor@example.test", f"{settings.SITE_URL}{assertion.get_absolute_url()}")

    assert_valid(report)
    graph = {node.get("type"): node for node in report["graph"]}
    assert graph["Assertion"]["evidence"]


def test_an_assertion_with_alignment_tags_and_expiry_passes_the_official_validator(issuer, validator):
    org, organiser = issuer
    badge = publish_activity(org, organiser, title="Forest first aid").badge
    services.badge_update(
        badge=badge,
        user=organiser,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        expiry=services.Expiry(after=24, unit="months"),
        alignment=[
            {
                "targetName": "provide first aid",
                "targetUrl": "https://esco.example.org/skill/provide-first-aid",
                "targetDescription": "Give first aid to a person who is hurt or ill.",
                "targetFramework": "ESCO",
                "targetCode": "S3.2.1",
            }
        ],
        tags=["first aid", "outdoors"],
    )
    services.badge_issue_to_emails(badge=badge, text="medic@example.test", issued_by=organiser)
    assertion = badge.assertions.get()
    assert assertion.expires is not None

    report = validator("--email", "medic@example.test", f"{settings.SITE_URL}{assertion.get_absolute_url()}")

    assert_valid(report)
    graph = {node.get("type"): node for node in report["graph"]}
    assert graph["Assertion"]["expires"] == assertion.expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert graph["BadgeClass"]["tags"] == ["first aid", "outdoors"]
    # JSON-LD compaction turns a one-item list into the item itself.
    alignment = graph["BadgeClass"]["alignment"]
    assert alignment["targetName"] == "provide first aid" and alignment["targetFramework"] == "ESCO"


def test_a_revoked_assertion_is_reported_revoked_by_the_official_validator(issuer, validator):
    org, organiser = issuer
    badge = publish_activity(org, organiser, title="River safety").badge
    services.badge_issue_to_emails(badge=badge, text="wrong@example.test", issued_by=organiser)
    assertion = badge.assertions.get()
    services.assertion_revoke(assertion=assertion, reason="Issued to the wrong person.", user=organiser)

    report = validator("--email", "wrong@example.test", f"{settings.SITE_URL}{assertion.get_absolute_url()}")

    # The body is a whole assertion, so no property is reported missing; the revocation is in the graph
    # the validator reports (this validator does not turn a hosted revocation into an error of its own).
    errors = [m["result"] for m in report["report"]["messages"] if m["messageLevel"] == "ERROR"]
    assert not [e for e in errors if "missing" in e.lower() or "required" in e.lower()], errors
    node = next(n for n in report["graph"] if n.get("id") == f"{settings.SITE_URL}{assertion.get_absolute_url()}")
    assert node["revoked"] is True
    assert node["revocationReason"] == "Issued to the wrong person."


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_a_baked_image_passes_the_official_validator(issuer, validator, tmp_path, kind):
    org, organiser = issuer
    badge = publish_activity(org, organiser, title="Night hike").badge
    if kind == "png":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from badges.tests.test_images import png_bytes

        badge = services.badge_update(
            badge=badge,
            user=organiser,
            name=badge.name,
            description=badge.description,
            criteria=badge.criteria,
            image=SimpleUploadedFile("badge.png", png_bytes(), content_type="image/png"),
        )
    services.badge_issue_to_emails(badge=badge, text="hiker@example.test", issued_by=organiser)
    assertion = badge.assertions.get()
    data, baked_kind = services.assertion_baked_image(assertion=assertion)
    assert baked_kind == kind
    path = tmp_path / f"baked.{kind}"
    path.write_bytes(data)

    report = validator("--email", "hiker@example.test", "--image", str(path))

    assert_valid(report)
