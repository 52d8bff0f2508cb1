"""Public: the organisations' DID documents, their status lists, and the verification page."""

import hashlib
import io

import segno
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from credentials import did, selectors, services
from credentials.forms import VerifyForm
from credentials.models import StatusList
from credentials.verification import verify_credential
from learnerpass.lib.filenames import name_download
from learnerpass.lib.http import client_ip
from organisations.models import Organisation

VC_MEDIA_TYPE = "application/vc+ld+json"


def credential_response(signed_json: str, *, filename: str | None = None) -> HttpResponse:
    """A signed credential as served everywhere: public, its own media type, open to other sites' wallets."""
    response = HttpResponse(signed_json.encode("utf-8"), content_type=VC_MEDIA_TYPE)
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        name_download(response, filename)
    return response


def qr_response(url: str, *, filename: str) -> HttpResponse:
    """A PNG QR code of a public verification address, as a download for the holder to print or share."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    return name_download(response, filename)


@require_safe
def did_document(request, org_slug):
    organisation = Organisation.objects.filter(slug=org_slug).first()
    if organisation is None:
        raise Http404("No such organisation.")
    document = did.did_document(organisation.slug, selectors.public_keys(organisation=organisation))
    response = JsonResponse(document, content_type="application/did+ld+json", json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def status_list(request, org_slug, list_id):
    found = StatusList.objects.select_related("organisation").filter(public_id=list_id, organisation__slug=org_slug)
    status_list = found.first()
    if status_list is None:
        raise Http404("No such status list.")
    signed = services.status_list_credential(status_list=status_list)
    etag = '"' + hashlib.sha256(signed.encode("utf-8")).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304, headers={"ETag": etag})
    response = credential_response(signed)
    response["ETag"] = etag
    # Verifiers may keep it briefly; a revocation shows within a minute.
    response["Cache-Control"] = "public, max-age=60"
    return response


VERIFY_LIMIT = 30  # checks per client address and minute


def _rate_limited(request) -> bool:
    key = f"credentials:verify:{client_ip(request)}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=90)
        count = 1
    return count > VERIFY_LIMIT


@require_http_methods(["GET", "POST"])
def verify(request):
    if request.method == "GET":
        return render(request, "credentials/verify.html", {"form": VerifyForm()})
    if _rate_limited(request):
        context = {"form": VerifyForm(), "error": _("Too many checks. Wait a minute and try again.")}
        return render(request, "credentials/verify.html", context, status=429)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "credentials/verify.html", {"form": form}, status=400)
    report = verify_credential(form.cleaned_data["credential"])
    return render(request, "credentials/verify.html", {"form": VerifyForm(), "report": report})
