"""Run the official 1EdTech/IMS Open Badges 2.0 validator offline; print its report as JSON.

Runs inside .ob-venv (see the README, Open Badges section; `make ob-venv` creates it), never in the project's own environment:

    .ob-venv/bin/python badges/validator/run_validator.py --email a@b.test URL
    .ob-venv/bin/python badges/validator/run_validator.py --email a@b.test --image baked.png

The validator fetches the JSON-LD context https://w3id.org/openbadges/v2 on every run.
Without internet that would fail, so every requests.Session gets a transport adapter
that answers the context from the copy shipped in the package and refuses any host
that is not this machine.
"""

import argparse
import io
import ipaddress
import json
import sys
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import Response

CONTEXT_URLS = {
    "https://w3id.org/openbadges/v2",
    "http://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
    "http://openbadgespec.org/v2/context.json",
}
LOOPBACK_NAMES = {"localhost", "testserver"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OfflineAdapter(HTTPAdapter):
    def send(self, request, **kwargs):
        url = request.url.split("#", 1)[0]
        if url.rstrip("/") in CONTEXT_URLS:
            from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT

            response = Response()
            response.status_code = 200
            response.url = request.url
            response.request = request
            response.headers["Content-Type"] = "application/ld+json"
            response._content = json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode("utf-8")
            response.encoding = "utf-8"
            return response
        if not _is_loopback(urlsplit(url).hostname or ""):
            raise requests.ConnectionError(f"offline validator: refusing to fetch {url}")
        return super().send(request, **kwargs)


_original_init = requests.Session.__init__


def _offline_init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    adapter = OfflineAdapter()
    self.mount("http://", adapter)
    self.mount("https://", adapter)


requests.Session.__init__ = _offline_init


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="assertion URL")
    parser.add_argument("--image", help="a baked PNG or SVG file")
    parser.add_argument("--email", required=True, help="the recipient's email address")
    args = parser.parse_args(argv)
    if not args.url and not args.image:
        parser.error("give an assertion URL or --image")

    import openbadges  # after the patch, so its sessions are offline too

    if args.image:
        with open(args.image, "rb") as handle:
            badge_input = io.BytesIO(handle.read())
        badge_input.name = args.image
    else:
        badge_input = args.url
    report = openbadges.verify(badge_input, recipient_profile={"email": args.email}, use_cache=False)
    json.dump(report, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0 if report.get("report", {}).get("valid") else 1


if __name__ == "__main__":
    sys.exit(main())
