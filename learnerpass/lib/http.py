from django.conf import settings


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
