"""Guards for console views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accounts import security
from accounts.models import Membership, SecurityPolicy
from accounts.roles import at_least
from core.http import BrowserRequest

View = Callable[..., HttpResponse]


def post_only(fallback: str) -> Callable[[View], View]:
    """A form's action: POST does the work; a GET (a reload, a bookmarked address) goes to
    the page the form lives on instead of a bare 405."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(fallback)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def mfa_missing(membership: Membership) -> bool:
    """The organisation requires MFA and this member has none yet."""
    return security.lacks_required_mfa(SecurityPolicy.of(membership.tenant), membership.user)


def tenant_required(role: str | None = None) -> Callable[[View], View]:
    """Signed in, with an active tenant, and (optionally) at least `role` there.

    The tenant is `request.tenant`, resolved by ActiveTenantMiddleware from the user's own
    memberships; a user without one is sent to create a tenant.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = cast(BrowserRequest, request).membership
            if membership is None:
                return redirect("tenant-create")
            if mfa_missing(membership):
                # Before anything else in this organisation: a second factor.
                return render(request, "accounts/mfa_required.html", status=403)
            if role is not None and not at_least(membership.role, role):
                raise PermissionDenied(f"This page needs the {role} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def verified_email_required(view: View) -> View:
    """An account whose e-mail is unverified may look around, not mint keys or invite: it
    gets a page that says why and offers to send the code again."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not security.has_verified_email(request.user):  # type: ignore[arg-type]
            return render(request, "accounts/verify_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
