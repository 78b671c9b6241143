"""The client's IP address, honouring a configured number of trusted proxies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with NUM_PROXIES=n the n-th address from the right of X-Forwarded-For.

    Only the proxies we run append to X-Forwarded-For, so counting from the right is the
    only part of the header a client cannot forge.
    """
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    proxies: int = settings.NUM_PROXIES
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote
