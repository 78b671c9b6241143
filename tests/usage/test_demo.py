"""`manage.py demo` gives Acme thousands of runs a day with a failure spike, and is idempotent."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from accounts.models import Tenant
from usage import rollups, stats
from usage.demo import SPIKE_DAYS_AGO
from usage.models import Execution

from .helpers import buckets, recomputed


def test_demo_loads_realistic_usage_once(demo: str) -> None:
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    window = rollups.read(acme)
    weekdays = [d.total for d in window.days[:-1] if d.day.weekday() < 5]
    assert min(weekdays) > 1000
    spike = window.days[-1 - SPIKE_DAYS_AGO]
    others = [d.failed / d.ended for d in window.days if d.ended and d is not spike]
    assert spike.failed / spike.ended > 3 * max(others)
    assert window.days[-1].in_flight > 0
    assert Execution.objects.for_tenant(acme).filter(key__isnull=False).exists()
    globex_cards = stats.cards(rollups.read(globex).days)
    assert 30 <= globex_cards.executions <= 400
    assert buckets(acme) == recomputed(acme)

    count = Execution.objects.count()
    call_command("demo", stdout=StringIO())
    assert Execution.objects.count() == count
