"""One-time form tokens, so that a re-submitted create or regenerate form shows “gone”.

The show-once page is the POST response itself; the raw key is never stored anywhere to
show it again. What the session keeps is only nonce → (purpose, public id of the key that
the form made), which lets a reload or a back-and-resubmit find out that the form was
already used and answer “this key can no longer be shown” instead of minting another key.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest

SESSION_KEY = "apikey_form_nonces"
# Every opening of a form issues one; only the newest few are worth keeping.
MAX_KEPT = 20


def _all(request: HttpRequest) -> dict[str, list[str]]:
    stored = request.session.get(SESSION_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def _save(request: HttpRequest, nonces: dict[str, list[str]]) -> None:
    request.session[SESSION_KEY] = dict(list(nonces.items())[-MAX_KEPT:])


def issue(request: HttpRequest, purpose: str) -> str:
    """A fresh, pending nonce for a form that does `purpose`."""
    nonces = _all(request)
    nonce = secrets.token_urlsafe(16)
    nonces[nonce] = [purpose, ""]
    _save(request, nonces)
    return nonce


def is_pending(request: HttpRequest, nonce: str, purpose: str) -> bool:
    return _all(request).get(nonce) == [purpose, ""]


def spent_on(request: HttpRequest, nonce: str, purpose: str) -> str | None:
    """The public id of the key this nonce already produced, or None."""
    entry = _all(request).get(nonce)
    if entry and entry[0] == purpose and entry[1]:
        return entry[1]
    return None


def spend(request: HttpRequest, nonce: str, purpose: str, public_id: str) -> None:
    nonces = _all(request)
    nonces[nonce] = [purpose, public_id]
    _save(request, nonces)
