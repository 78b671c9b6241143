"""API keys: stored only as digests, addressed by a public id."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import security
from accounts.models import Membership, Tenant, User
from apikeys import crypto
from apikeys.scopes import ALL_SCOPES, normalize
from core.tenancy import TenantQuerySet


class Kind(models.TextChoices):
    USER = "user", "User"
    TEAM = "team", "Team"


def new_public_id() -> str:
    return "key_" + secrets.token_hex(10)


class State(models.TextChoices):
    """The one state a key is in; authentication refuses every state but ACTIVE."""

    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    INACTIVE = "inactive", "Inactive"


def lacks_required_mfa() -> Q:
    """A user key whose user has no second factor while the organisation requires one:
    `accounts.security.lacks_required_mfa` as SQL, for the key's user."""
    return Q(kind=Kind.USER, tenant__security_policy__require_mfa=True) & Q(
        ~security.has_mfa_expression("user_id")
    )


def state_expression(now: datetime) -> Case:
    """The one definition of a key's state, as SQL: authentication, the console list, the
    API and the admin all read it.

    Revoked if revoked; expired once its expiry, or the end of the organisation's maximum
    lifetime for its secret, has passed; inactive when its organisation
    is inactive or, for a user key, its user is deactivated, no longer holds the
    membership the key was created under (a member removed and invited again gets a new
    membership, so their old keys never come back), or has no second factor while the
    organisation requires one (the key works again once they set one up); otherwise active.
    """
    owner_present = Q(kind=Kind.TEAM) | Q(user__is_active=True, membership__isnull=False)
    return Case(
        When(revoked_at__isnull=False, then=Value(State.REVOKED.value)),
        When(
            Q(expires_at__lte=now) | Q(lifetime_ends_at__lte=now),
            then=Value(State.EXPIRED.value),
        ),
        When(
            Q(tenant__is_active=True) & owner_present & ~lacks_required_mfa(),
            then=Value(State.ACTIVE.value),
        ),
        default=Value(State.INACTIVE.value),
        output_field=models.CharField(),
    )


class ApiKeyQuerySet(TenantQuerySet["ApiKey"]):
    def live(self) -> ApiKeyQuerySet:
        """Not revoked (expired and inactive keys are still listed, marked as such)."""
        return self.filter(revoked_at__isnull=True)

    def with_state(self, now: datetime | None = None) -> ApiKeyQuerySet:
        """Annotate `key_state` (a `State` value), read back as `ApiKey.state`."""
        return self.annotate(key_state=state_expression(now or timezone.now()))


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
    # The membership a user key was created under. Removing the member deletes it (the key
    # turns inactive and is revoked); joining again makes a new one, so the key stays dead.
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_keys"
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
    # Restrictions chosen at creation: CIDR networks the key may be used from, and the
    # public ids of the flows it may see (empty: no restriction).
    allowed_ips = models.JSONField(default=list, blank=True)
    flows = models.JSONField(default=list, blank=True)
    # When the organisation's maximum lifetime ends this secret (kept on the key, so the
    # state stays one expression and authentication one query).
    lifetime_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Sent-markers: each expiry notice goes out once.
    notice_7d_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    notice_1d_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

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
    def previous_secret_until(self) -> datetime | None:
        """When a regenerated key's old secret stops working, while that is still ahead."""
        end = self.previous_expires_at
        return end if end is not None and end > timezone.now() else None

    @property
    def effective_expiry(self) -> datetime | None:
        """When the key stops working: its expiry or the end of its lifetime, the earlier."""
        ends = [t for t in (self.expires_at, self.lifetime_ends_at) if t is not None]
        return min(ends) if ends else None

    @property
    def is_restricted(self) -> bool:
        return bool(self.allowed_ips or self.flows)

    @property
    def state(self) -> str:
        """The key's `State`, as annotated by `with_state()`; a key loaded without the
        annotation asks the database, so the definition stays in one place."""
        if "key_state" not in self.__dict__:
            state = state_expression(timezone.now())
            rows = ApiKey.objects.filter(pk=self.pk).values_list(state, flat=True)
            self.__dict__["key_state"] = rows.get()
        return str(self.__dict__["key_state"])

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
    """Create a key; return it with the raw secret. The raw secret goes nowhere else.

    A user key is tied to its user's current membership of the organisation."""
    membership = None
    if kind == Kind.USER:
        membership = Membership.objects.filter(user=user, tenant=tenant).first()
        if membership is None:
            raise ValidationError("A user key needs a member of the organisation.")
    raw = crypto.generate(kind)
    key = ApiKey(
        tenant=tenant,
        kind=kind,
        user=user if kind == Kind.USER else None,
        membership=membership,
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


class DeviceStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    ISSUED = "issued", "Key issued"


class DeviceAuthorization(models.Model):
    """One device login (`keyward login`): its device code only as a digest, the user code
    people type, who asked (IP, user agent), and once approved who approved it into which
    organisation. The key is minted when the device collects it, so no secret is stored."""

    device_digest = models.CharField(max_length=64, unique=True, editable=False)
    user_code = models.CharField(max_length=8, unique=True, editable=False)
    client_id = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    interval = models.PositiveIntegerField(default=5)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user_code[:4]}-{self.user_code[4:]} ({self.status})"

    @property
    def display_code(self) -> str:
        return f"{self.user_code[:4]}-{self.user_code[4:]}"


class SignupRequest(models.Model):
    """A sign-up over the API, between its e-mailed code and its first key. The password is
    kept only hashed, the code and the sign-up token only as digests."""

    email = models.EmailField(db_index=True)
    password_hash = models.CharField(max_length=200, editable=False)
    organisation = models.CharField(max_length=100)
    code_digest = models.CharField(max_length=64, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-up {self.email}"


class KeySighting(models.Model):
    """A client address (and its latest user agent) a key was used from, first and last
    seen; written at most once a minute per key and address."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="sightings")
    ip = models.GenericIPAddressField()
    user_agent = models.CharField(max_length=300, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [models.UniqueConstraint(fields=["key", "ip"], name="one_sighting_per_ip")]

    def __str__(self) -> str:
        return f"{self.ip} ({self.key_id})"
