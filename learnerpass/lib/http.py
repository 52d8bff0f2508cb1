import ipaddress

from django.conf import settings

# Headers a reverse proxy adds: a request carrying one came from somewhere else, whatever REMOTE_ADDR says.
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def client_ip(request) -> str:
    """The visitor's address, for rate limits.

    Behind a reverse proxy every request comes from the proxy, so CLIENT_IP_HEADER names the
    header the (trusted) proxy sets, e.g. HTTP_X_FORWARDED_FOR; its last entry is the address
    the proxy itself saw. Without the setting, REMOTE_ADDR.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        if value:
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def is_loopback_client(request) -> bool:
    """True only for a browser on this very machine, not one behind a proxy that runs here."""
    if any(request.META.get(header) for header in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
