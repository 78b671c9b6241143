"""The database store of rate-limit counters (used when the shared cache is not Redis)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter, a marker of a key secret seen to authenticate, or a lock of
    the sign-in throttle (`hold:…`, until `window_end`); written only by
    `core.counters.DatabaseStore` with one atomic statement each."""

    name = models.CharField(max_length=200, primary_key=True)
    window_end = models.BigIntegerField()
    count = models.BigIntegerField(default=0)
    value = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name}: {self.count}"
