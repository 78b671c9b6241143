"""A key stored with an expiry of 9999-12-31T23:30Z (before expiries were capped) no longer
breaks the key list of an organisation east of UTC: the data migration brings it within
ten years."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

from django.apps import apps
from django.utils import timezone

from apikeys.models import ApiKey
from tests.api.conftest import mint

clamp = importlib.import_module("config.migrations.0001_clamp_key_expiries").clamp


def test_a_stored_year_9999_expiry_is_brought_within_ten_years(tenant, owner, client_for):
    tenant.time_zone = "Europe/Berlin"
    tenant.save()
    key, _ = mint(tenant, owner, name="forever")
    ApiKey.objects.filter(pk=key.pk).update(expires_at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    clamp(apps, None)
    key.refresh_from_db()
    assert key.expires_at is not None
    assert key.expires_at.year <= timezone.now().year + 10
    page = client_for(owner).get("/console/api-keys")
    assert page.status_code == 200
    assert "forever" in page.content.decode()
