"""Idle revocation and notice before a key breaks, queued by the scheduler and run by the
real task worker under time-machine: each notice once, none for revoked keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts import policies
from accounts.models import AuditAction, AuditEvent
from accounts.roles import Role
from apikeys.models import ApiKey
from core.acting import Actor
from tests.api.conftest import mint


@pytest.fixture
def worker_queue(transactional_db: None, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def tick() -> None:
    """What `make run` does every few minutes: queue the jobs, and the worker runs them."""
    call_command("schedule_key_jobs", "--once")
    for _ in range(3):  # the job, then the e-mails it queued
        call_command("db_worker", "--batch", verbosity=0)


def subjects() -> list[str]:
    return sorted(str(message.subject) for message in mail.outbox)


def test_expiry_notices_7_days_and_1_day_before_each_once(
    worker_queue: None, tenant: Any, owner: Any, admin: Any
) -> None:
    now = timezone.now()
    user_key, _ = mint(tenant, owner, name="laptop", expires_at=now + timedelta(days=10))
    team_key, _ = mint(tenant, None, name="ci", expires_at=now + timedelta(days=10))
    revoked, _ = mint(tenant, owner, name="gone", expires_at=now + timedelta(days=10))
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=now)
    tick()
    assert mail.outbox == []
    with time_machine.travel(now + timedelta(days=3, hours=1)):
        tick()
        tick()  # a second run sends nothing new
    assert subjects() == [
        "Keyward: API key “ci” expires in 7 days",
        "Keyward: API key “laptop” expires in 7 days",
    ]
    team_mail = next(m for m in mail.outbox if "ci" in m.subject)
    assert sorted(team_mail.to) == sorted([owner.email, admin.email])
    laptop_mail = next(m for m in mail.outbox if "laptop" in m.subject)
    assert laptop_mail.to == [owner.email]
    mail.outbox.clear()
    with time_machine.travel(now + timedelta(days=9, hours=1)):
        tick()
        tick()
    assert len(mail.outbox) == 2 and all("1 day" in m.subject for m in mail.outbox)
    assert not any("gone" in m.subject for m in mail.outbox)
    assert user_key.pk and team_key.pk


def test_idle_keys_are_revoked_under_the_policy_and_told_once(
    worker_queue: None, tenant: Any, owner: Any
) -> None:
    now = timezone.now()
    idle, _ = mint(tenant, owner, name="idle")
    used, _ = mint(tenant, owner, name="used")
    policies.update(Actor(user=owner, label=owner.email), Role.OWNER, tenant, idle_revoke_days=30)
    with time_machine.travel(now + timedelta(days=31)):
        ApiKey.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
        tick()
        tick()
    idle.refresh_from_db()
    used.refresh_from_db()
    assert idle.revoked_at is not None and used.revoked_at is None
    assert [m.subject for m in mail.outbox] == [
        "Keyward: API key “idle” revoked after 30 days unused"
    ]
    assert AuditEvent.objects.filter(action=AuditAction.KEY_IDLE_REVOKED).count() == 1
