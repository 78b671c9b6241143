"""API keys: stored only as digests, addressed by a public id."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Membership, Tenant, User
from apikeys import crypto
from apikeys.scopes import ALL_SCOPES, normalize
from core.tenancy import TenantQuerySet


class Kind(models.TextChoices):
    USER = "user", "User"
    TEAM = "team", "Team"


def new_public_id() -> str:
    return "key_" + secrets.token_hex(10)


def usable_condition(now: datetime) -> Q:
    """The one definition of a key that may authenticate.

    Not revoked, not expired, its tenant active, and for a user key its owner still an
    active member of that tenant.
    """
    owner_is_member = Exists(
        Membership.objects.filter(user=OuterRef("user"), tenant=OuterRef("tenant"))
    )
    condition = (
        Q(revoked_at__isnull=True)
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        & Q(tenant__is_active=True)
        & (Q(kind=Kind.TEAM) | (Q(user__is_active=True) & owner_is_member))
    )
    return cast(Q, condition)


class ApiKeyQuerySet(TenantQuerySet["ApiKey"]):
    def live(self) -> ApiKeyQuerySet:
        """Not revoked (expired keys are still listed; they are marked expired)."""
        return self.filter(revoked_at__isnull=True)

    def usable(self, now: datetime | None = None) -> ApiKeyQuerySet:
        """The keys that may authenticate now (see `usable_condition`)."""
        return self.filter(usable_condition(now or timezone.now()))

    def with_usability(self, now: datetime) -> ApiKeyQuerySet:
        """Annotate `is_usable`: the same condition as `usable()`, as a column."""
        return self.annotate(
            is_usable=ExpressionWrapper(usable_condition(now), output_field=models.BooleanField())
        )

    def with_owner_role(self) -> ApiKeyQuerySet:
        """Annotate `owner_role`: the user-key owner's role in the key's tenant (or None)."""
        role = Membership.objects.filter(user=OuterRef("user"), tenant=OuterRef("tenant"))
        return self.annotate(owner_role=Subquery(role.order_by().values("role")[:1]))


class ApiKey(models.Model):
    """A key that lets a program act inside one tenant, as a user or as the team."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The user a user key acts as. Empty for team keys.",
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    scopes = models.JSONField(default=list)
    masked_prefix = models.CharField(max_length=20, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # After a regenerate with a grace period the old secret works until previous_expires_at.
    previous_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    previous_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                condition=Q(revoked_at__isnull=True),
                name="unique_live_key_name_per_tenant",
            ),
            models.CheckConstraint(
                condition=Q(kind="team", user__isnull=True) | Q(kind="user", user__isnull=False),
                name="user_keys_have_a_user_team_keys_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return f"{self.masked_prefix}…{self.last4}"

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def has_full_access(self) -> bool:
        """Every scope there is: what a key created with none ticked holds."""
        return set(ALL_SCOPES) <= set(self.scopes)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def previous_secret_until(self) -> datetime | None:
        """When a regenerated key's old secret stops working, while that is still ahead."""
        end = self.previous_expires_at
        return end if end is not None and end > timezone.now() else None

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"

    @sensitive_variables()
    def set_secret(self, raw: str) -> None:
        self.digest = crypto.digest(raw)
        self.masked_prefix, self.last4 = crypto.masked_parts(raw)


@sensitive_variables()
def create_key(
    *,
    tenant: Tenant,
    kind: str,
    name: str,
    user: User | None = None,
    created_by: User | None = None,
    description: str = "",
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    **extra: Any,
) -> tuple[ApiKey, str]:
    """Create a key; return it with the raw secret. The raw secret goes nowhere else."""
    raw = crypto.generate(kind)
    key = ApiKey(
        tenant=tenant,
        kind=kind,
        user=user if kind == Kind.USER else None,
        created_by=created_by,
        name=name,
        description=description,
        scopes=normalize(scopes),
        expires_at=expires_at,
        **extra,
    )
    key.set_secret(raw)
    key.save()
    return key, raw
