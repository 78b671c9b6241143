"""Scheduled key jobs, run by the task worker: idle keys revoked under the organisation's
policy, and notice before a key breaks (7 days and 1 day before it stops working).

Each notice goes out once: a sent-marker on the key is set by one conditional UPDATE, and
only the run whose UPDATE changed the row queues the e-mail. Revoked and inactive keys get
nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from accounts.models import AuditAction, Membership, SecurityPolicy
from accounts.roles import Role
from apikeys import keys
from apikeys.models import ApiKey, Kind, State
from core.acting import Actor
from core.mail import send_later

NOTICES = (
    ("notice_1d_sent_at", timedelta(days=1), "1 day"),
    ("notice_7d_sent_at", timedelta(days=7), "7 days"),
)


def notice_recipients(key: ApiKey) -> list[str]:
    """The key's user; for a team key, the organisation's admins and owners."""
    if key.kind == Kind.USER:
        return [key.user.email] if key.user is not None and key.user.is_active else []
    admins = Membership.objects.for_tenant(key.tenant).filter(
        role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    )
    return sorted(m.user.email for m in admins.select_related("user"))


def revoke_idle(now: datetime | None = None) -> list[ApiKey]:
    """Revoke keys unused for longer than their organisation allows; each audited and its
    owner told."""
    now = now or timezone.now()
    revoked = []
    actor = Actor.system("system: idle-key revocation")
    policies = SecurityPolicy.objects.filter(idle_revoke_days__isnull=False).select_related(
        "tenant"
    )
    for policy in policies:
        assert policy.idle_revoke_days is not None
        since = now - timedelta(days=policy.idle_revoke_days)
        idle = (
            ApiKey.objects.for_tenant(policy.tenant)
            .live()
            .filter(Q(last_used_at__lt=since) | Q(last_used_at__isnull=True, created_at__lt=since))
        )
        for key in idle.select_related("tenant", "user"):
            days = str(policy.idle_revoke_days)
            if keys.revoke_for(actor, key, AuditAction.KEY_IDLE_REVOKED, idle_days=days):
                revoked.append(key)
                send_later(
                    f"Keyward: API key “{key.name}” revoked after {days} days unused",
                    f"The API key “{key.name}” ({key.masked}) of {key.tenant.name} was not "
                    f"used for {days} days and has been revoked, as your organisation's "
                    "security policy asks. Create a new key in the console if you still "
                    "need one.\n",
                    notice_recipients(key),
                )
    return revoked


def send_expiry_notices(now: datetime | None = None) -> int:
    """One e-mail per key and threshold as it comes within 7 days, then 1 day, of expiry
    (or the end of its lifetime). Returns how many were queued."""
    now = now or timezone.now()
    sent = 0
    active = ApiKey.objects.with_state(now).filter(**{"key_state": State.ACTIVE})
    for marker, ahead, label in NOTICES:
        horizon = now + ahead
        due = active.filter(
            Q(expires_at__lte=horizon) | Q(lifetime_ends_at__lte=horizon), **{marker: None}
        ).select_related("tenant", "user")
        for key in due:
            # Within a day the 7-day notice is pointless: both markers, one e-mail.
            markers = {name: now for name, step, _ in NOTICES if step >= ahead}
            claimed = ApiKey.objects.filter(pk=key.pk, **{marker: None}).update(**markers)
            if not claimed:
                continue  # another run sent it
            ends = key.effective_expiry
            assert ends is not None
            when = timezone.localtime(ends, key.tenant.tzinfo).strftime("%Y-%m-%d %H:%M %Z")
            send_later(
                f"Keyward: API key “{key.name}” expires in {label}",
                f"The API key “{key.name}” ({key.masked}) of {key.tenant.name} stops working "
                f"on {when}. Regenerate it in the console (or create a new one) before then "
                "so that nothing breaks.\n",
                notice_recipients(key),
            )
            sent += 1
    return sent


@task()
def maintain_keys() -> dict[str, int]:
    """The scheduled job: idle revocation, then expiry notices."""
    now = timezone.now()
    return {"revoked": len(revoke_idle(now)), "notices": send_expiry_notices(now)}
