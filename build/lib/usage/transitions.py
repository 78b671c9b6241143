"""The one place that says which status changes an execution may make."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from usage.models import ENDED, Status

_ENDINGS = frozenset(ENDED)

ALLOWED: dict[str, frozenset[str]] = {
    Status.RUNNING: frozenset({Status.PAUSED, Status.COMPENSATING}) | _ENDINGS,
    Status.PAUSED: frozenset({Status.RUNNING}) | _ENDINGS,
    Status.COMPENSATING: _ENDINGS,
    # An ended run never changes again.
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class TransitionRefused(ValidationError):
    """The change is well formed, but the execution's current status does not allow it
    (the API's 409, not a 400: the same report could have been right a moment earlier)."""

    def __init__(self, message: str) -> None:
        super().__init__({"status": message}, code="transition")


def is_allowed(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def check(current: str, target: str) -> None:
    """Raise a ValidationError on `status` naming both states unless the change is allowed."""
    if target not in ALLOWED:
        raise ValidationError({"status": f"“{target}” is not an execution status."})
    if not is_allowed(current, target):
        raise TransitionRefused(f"Cannot change a {current} execution to {target}.")
