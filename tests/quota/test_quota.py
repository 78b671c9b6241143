"""The monthly allowance: counted per invocation, refused at the allowance with Retry-After
to the local month's end, rolled over at the local first of the month, warned once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Tenant, User
from conftest import join, make_user
from tests.api.conftest import ApiClient, mint
from usage import quota
from usage.models import Execution, Flow, QuotaCounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(tenant: Tenant) -> Flow:
    return Flow.objects.create(tenant=tenant, name="Nightly", slug="nightly")


def invoke(raw: str, flow: Flow) -> Any:
    return ApiClient(raw).post(f"/api/v1/flows/{flow.public_id}/invoke")


def test_invoke_at_the_allowance_is_429_quota_exceeded_and_creates_nothing(
    tenant: Tenant, owner: User, flow: Flow
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=2)
    _, raw = mint(tenant, owner)
    assert invoke(raw, flow).status_code == 201
    assert invoke(raw, flow).status_code == 201
    refused = invoke(raw, flow)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert int(refused["Retry-After"]) > 0
    assert Execution.objects.filter(tenant=tenant).count() == 2


def test_retry_after_runs_to_the_local_first_of_next_month(tenant: Tenant, owner: User) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=0, time_zone="Asia/Tokyo")
    tenant.refresh_from_db()
    # 31 Jan 14:00 UTC is 23:00 in Tokyo: the period ends in one hour.
    late = time_machine.travel(datetime(2026, 1, 31, 14, 0, tzinfo=UTC), tick=False)
    with late, pytest.raises(quota.QuotaExceeded) as refused:
        quota.charge(tenant)
    assert refused.value.wait == 3600


def test_the_period_rolls_over_at_the_tenants_local_month_start(tenant: Tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=1, time_zone="Asia/Tokyo")
    tenant.refresh_from_db()
    with time_machine.travel(datetime(2026, 1, 31, 14, 59, tzinfo=UTC), tick=False):
        quota.charge(tenant)  # 23:59 on 31 January in Tokyo
        with pytest.raises(quota.QuotaExceeded):
            quota.charge(tenant)
    with time_machine.travel(datetime(2026, 1, 31, 15, 0, tzinfo=UTC), tick=False):
        now = quota.charge(tenant)  # midnight on 1 February in Tokyo, still 31 Jan in UTC
    assert now.used == 1
    assert now.period_start.isoformat() == "2026-02-01T00:00:00+09:00"


def test_an_empty_allowance_is_unlimited_and_still_counts(tenant: Tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=None)
    tenant.refresh_from_db()
    for _ in range(5):
        quota.charge(tenant)
    assert quota.current(tenant).used == 5
    assert quota.current(tenant).remaining is None


def test_new_organisations_take_default_monthly_executions(settings: Any, db: None) -> None:
    settings.DEFAULT_MONTHLY_EXECUTIONS = 1234
    assert Tenant.objects.create(name="N", slug="n").monthly_executions == 1234


def test_owners_and_admins_get_one_e_mail_at_80_and_one_at_100_percent(
    tenant: Tenant, owner: User, admin: User, member: User, django_capture_on_commit_callbacks: Any
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=5)
    tenant.refresh_from_db()
    subjects = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            quota.charge(tenant)
        subjects.append([m.subject for m in mail.outbox])
        mail.outbox.clear()
    with pytest.raises(quota.QuotaExceeded):
        quota.charge(tenant)
    assert subjects[:3] == [[], [], []]
    assert subjects[3] == [f"{tenant.name} has used 80% of its monthly allowance on Keyward"]
    assert subjects[4] == [f"{tenant.name} has used its monthly allowance on Keyward"]
    assert mail.outbox == []


def test_quota_e_mails_go_to_owners_and_admins_only(
    tenant: Tenant, owner: User, admin: User, member: User, django_capture_on_commit_callbacks: Any
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=1)
    tenant.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        quota.charge(tenant)
    assert [sorted(m.to) for m in mail.outbox] == [sorted([owner.email, admin.email])]


def test_get_quota_gives_period_allowance_used_and_remaining(
    tenant: Tenant, owner: User, flow: Flow
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=10)
    _, raw = mint(tenant, owner)
    invoke(raw, flow)
    body = ApiClient(raw).get("/api/v1/quota").json()
    assert (body["allowance"], body["used"], body["remaining"]) == (10, 1, 9)
    assert body["period_start"] < body["period_end"]


def test_the_period_is_given_in_the_organisations_local_time(tenant: Tenant, owner: User) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Europe/Berlin")
    _, raw = mint(tenant, owner)
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False):
        body = ApiClient(raw).get("/api/v1/quota").json()
    assert body["period_start"] == "2026-12-01T00:00:00+01:00"
    assert body["period_end"] == "2027-01-01T00:00:00+01:00"


def test_get_quota_needs_usage_read(tenant: Tenant, owner: User) -> None:
    _, raw = mint(tenant, owner, scopes=["flows:read"])
    response = ApiClient(raw).get("/api/v1/quota")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_another_tenants_counter_never_shows(
    tenant: Tenant, other_tenant: Tenant, outsider: User
) -> None:
    QuotaCounter.objects.create(
        tenant=tenant, period_start=quota.period_of(tenant, timezone.now())[0], used=7
    )
    _, raw = mint(other_tenant, outsider)
    assert ApiClient(raw).get("/api/v1/quota").json()["used"] == 0


def test_usage_page_and_overview_show_the_allowance_card(
    tenant: Tenant, owner: User, client_for: Any
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=3)
    tenant.refresh_from_db()
    for _ in range(3):
        quota.charge(tenant)
    client = client_for(owner)
    for page in ("/console/usage", "/console/"):
        html = client.get(page).content.decode()
        assert 'data-card="quota"' in html, page
        assert '<meter class="quota-bar" min="0" max="3"' in html
        assert "Used up: invocations are refused" in html


def test_a_member_sees_the_card_too(tenant: Tenant, owner: User, client_for: Any) -> None:
    someone = make_user("someone@example.com")
    join(someone, tenant, "member")
    assert 'data-card="quota"' in client_for(someone).get("/console/usage").content.decode()


def test_the_card_gives_the_organisations_local_dates_on_every_page(
    tenant: Tenant, owner: User, client_for: Any
) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(monthly_executions=3, time_zone="Europe/Berlin")
    tenant.refresh_from_db()
    client = client_for(owner)
    # 2 December, 10:00 in Berlin: the period runs from 1 December to 1 January local time,
    # which is 30 November 23:00 to 31 December 23:00 in UTC.
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False):
        for _ in range(3):
            quota.charge(tenant)
        for page in ("/console/usage", "/console/"):
            html = client.get(page).content.decode()
            assert "refused until 1 Jan" in html, page
