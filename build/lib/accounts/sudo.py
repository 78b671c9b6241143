"""Sudo mode: sensitive actions need a sign-in or a re-authentication in the last
SUDO_SECONDS (15 minutes).

A fresh sign-in counts (Django's `user_logged_in`, which allauth sends only once every
factor is through; AccountAdapter.is_reauthentication_required asks here). After that,
allauth's re-authentication decides: its middleware stashes the POST, asks for the
password (or a second factor), then replays the POST, so the person lands where they
were with what they typed intact.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

SESSION_KEY = "signed_in_at"

View = Callable[..., HttpResponse]


@receiver(user_logged_in, dispatch_uid="keyward-sudo-signed-in-at")
def remember_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = time.time()


def signed_in_recently(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    at = session.get(SESSION_KEY) if session is not None else None
    return isinstance(at, int | float) and time.time() - at < settings.SUDO_SECONDS


def sudo_required(view: View) -> View:
    """Submitting the form (any method but GET) needs sudo mode; showing it does not."""
    wrapped: View = reauthentication_required(view, allow_get=True)
    return wrapped
