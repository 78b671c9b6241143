"""The one rule for a key's expiry: in the future, and at most ten years ahead."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError

MAX_YEARS = 10


def latest_expiry(now: datetime) -> datetime:
    try:
        return now.replace(year=now.year + MAX_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + MAX_YEARS, day=28)


def check_expiry(expires_at: datetime, now: datetime) -> None:
    """A ValidationError unless `expires_at` is after `now` and within ten years of it."""
    if expires_at <= now:
        raise ValidationError("Pick an expiry in the future.", code="expiry_in_past")
    if expires_at > latest_expiry(now):
        raise ValidationError(
            f"An expiry can be at most {MAX_YEARS} years ahead.", code="expiry_too_far"
        )
