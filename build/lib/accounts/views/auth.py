"""What the console adds to allauth's sign-in views (mounted in accounts/auth_urls.py)."""

from __future__ import annotations

from allauth.account import views as account
from django.http import HttpRequest, HttpResponse
from django.utils.encoding import force_str
from django.utils.http import int_to_base36, urlsafe_base64_decode


def legacy_password_reset(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Reset links e-mailed before allauth (`/password-reset/<uidb64>/<token>`) keep working
    at their own address: the token is Django's own, so allauth's reset view checks it as it
    is (and its follow-up address, with the token swapped out, lands here again)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError):
        pk = 0
    response: HttpResponse = account.password_reset_from_key(
        request, uidb36=int_to_base36(max(pk, 0)), key=token
    )
    return response
