"""Test helpers shared by the apps that issue credentials: the OB 3.0 JSON Schema and the Node.js verifier.

The Node.js verifier (tests/vc_verifier/) is an independent implementation (Digital Bazaar's
W3C libraries); it is handed our DID documents and status lists so it never needs HTTP.
"""

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from credentials import did
from credentials.models import StatusList
from credentials.selectors import public_keys
from credentials.services import status_list_credential
from organisations.models import Organisation

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "credentials" / "tests" / "data" / "ob_v3p0_achievementcredential_schema.json"
VERIFIER_DIR = ROOT / "tests" / "vc_verifier"


@cache
def _validator():
    from jsonschema import Draft201909Validator

    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(document: dict) -> list[str]:
    """Every way the document breaks 1EdTech's OB 3.0 AchievementCredential schema (draft 2019-09)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(document)]


def issuer_documents(organisation: Organisation) -> dict[str, dict]:
    """What a verifier would fetch for this issuer: its DID document and signed status lists, by URL."""
    documents = {
        did.did_for(organisation.slug): did.did_document(organisation.slug, public_keys(organisation=organisation))
    }
    for status_list in StatusList.objects.filter(organisation=organisation).select_related("organisation"):
        signed = json.loads(status_list_credential(status_list=status_list))
        documents[signed["id"]] = signed
    return documents


def node_available() -> bool:
    return shutil.which("node") is not None and (VERIFIER_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir()


def node_verify(credentials: list[dict], documents: dict[str, dict]) -> list[dict]:
    """Run the independent verifier; one result per credential: {"verified": bool, "status": ..., "error": ...}.

    Skips when Node.js or the verifier's packages are missing, except in CI where it fails.
    """
    if not node_available():
        reason = "needs node and `npm ci --ignore-scripts` in tests/vc_verifier"
        if os.environ.get("CI") == "true":
            pytest.fail(f"The independent credential verifier must run in CI but it {reason}.")
        pytest.skip(reason)
    payload = json.dumps({"credentials": credentials, "documents": documents})
    result = subprocess.run(
        ["node", str(VERIFIER_DIR / "verify.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=VERIFIER_DIR,
    )
    if result.returncode not in (0, 1):
        raise AssertionError(f"the Node.js verifier crashed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)
