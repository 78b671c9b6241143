"""Users, tenants, memberships, invitations and the audit log."""

from __future__ import annotations

import hashlib
import re
import secrets
import zoneinfo
from datetime import timedelta
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import Role
from core.tenancy import TenantQuerySet


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively everywhere, so store them lower-case."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with e-mail and password."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Inactive users cannot sign in and their API keys stop working."
    )
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError("%(value)s is not an IANA time zone.", params={"value": value})


RATE_RE = re.compile(r"^[1-9][0-9]{0,6}/(s|sec|m|min|h|hour|d|day)$")


def validate_rate(value: str) -> None:
    if value and not RATE_RE.match(value):
        raise ValidationError("Use a number of requests per period, like 120/min or 5000/hour.")


def default_monthly_executions() -> int | None:
    """A new organisation's allowance: DEFAULT_MONTHLY_EXECUTIONS (None: unlimited)."""
    value: int | None = settings.DEFAULT_MONTHLY_EXECUTIONS
    return value


class Tenant(models.Model):
    """An organisation: the unit that owns members, keys, flows and usage."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(
        default=True,
        help_text="An inactive organisation's keys stop working and its members see nothing.",
    )
    rate_limit = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text="Per-key API rate limit for this organisation, like 600/min. Empty: the default.",
    )
    monthly_executions = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=default_monthly_executions,
        help_text="Flow invocations allowed per calendar month (in the organisation's time "
        "zone). Empty: unlimited.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @classmethod
    def unique_slug(cls, name: str) -> str:
        base = slugify(name)[:50] or "tenant"
        slug, n = base, 1
        while cls.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug


class MembershipQuerySet(TenantQuerySet["Membership"]):
    def owners(self) -> MembershipQuerySet:
        return self.filter(role=Role.OWNER)

    def of_user(self, user: User) -> MembershipQuerySet:
        """The memberships a signed-in user may act through: active tenants only."""
        return self.filter(user=user, tenant__is_active=True).select_related("tenant")


class Membership(models.Model):
    """A user's role inside one tenant."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    @property
    def audit_label(self) -> str:
        return self.user.email


def invitation_digest(token: str) -> str:
    """Invitation tokens are stored as SHA-256 digests; the link carries the only copy."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(TenantQuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A one-time link that lets the holder of an e-mail address join a tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.tenant}"

    @property
    def audit_label(self) -> str:
        return self.email

    @classmethod
    def create(
        cls, tenant: Tenant, email: str, role: str, invited_by: User | None
    ) -> tuple[Invitation, str]:
        """Create an invitation; return it with the raw token, which exists nowhere else."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            tenant=tenant,
            email=normalize_email(email),
            role=role,
            token_digest=invitation_digest(token),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        return invitation, token

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


def format_duration(seconds: int) -> str:
    """`90000` → `1 day 1 hour`; `0` → `none`."""
    if seconds <= 0:
        return "none"
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2])


class AuditAction(models.TextChoices):
    MEMBER_INVITED = "member.invited", "Member invited"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_REMOVED = "member.removed", "Member removed"
    MEMBER_LEFT = "member.left", "Member left"
    ROLE_CHANGED = "member.role_changed", "Role changed"
    OWNERSHIP_TRANSFERRED = "tenant.ownership_transferred", "Ownership transferred"
    TENANT_CREATED = "tenant.created", "Tenant created"
    TENANT_UPDATED = "tenant.updated", "Tenant settings changed"
    POLICY_CHANGED = "tenant.policy_changed", "Security policy changed"
    KEY_CREATED = "key.created", "API key created"
    KEY_REVOKED = "key.revoked", "API key revoked"
    KEY_REGENERATED = "key.regenerated", "API key regenerated"
    KEY_LEAKED = "key.leaked", "API key reported leaked"
    DEVICE_APPROVED = "device.approved", "Device login approved"
    DEVICE_DENIED = "device.denied", "Device login denied"
    KEY_IDLE_REVOKED = "key.idle_revoked", "API key revoked for idleness"


class AuditEvent(models.Model):
    """One append-only line of a tenant's audit log.

    Actor and target are kept as text too, so an entry still reads correctly after the
    user, member or key it names is gone.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = TenantQuerySet["AuditEvent"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="audit_tenant_newest")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Audit events are append-only.")

    def detail_items(self) -> list[tuple[str, str]]:
        """The details as (label, text) for people: lists joined, durations in words."""
        items = []
        for name, value in self.details.items():
            if name.endswith("_seconds") and isinstance(value, int):
                name = name.removesuffix("_seconds")
                text = format_duration(value)
            elif isinstance(value, list):
                text = ", ".join(str(item) for item in value) or "—"
            else:
                text = str(value)
            items.append((name.replace("_", " "), text))
        return items


class SecurityAction(models.TextChoices):
    SIGNIN_LOCKED = "signin.locked", "Sign-in locked after failed attempts"
    PASSWORD_CHANGED = "password.changed", "Password changed"
    PASSWORD_RESET = "password.reset", "Password reset by e-mail"
    EMAIL_CHANGED = "email.changed", "E-mail address changed"
    MFA_ADDED = "mfa.added", "Two-factor method added"
    MFA_REMOVED = "mfa.removed", "Two-factor method removed"
    RECOVERY_CODES_RENEWED = "mfa.recovery_codes_renewed", "Recovery codes renewed"
    SESSIONS_ENDED = "sessions.ended", "Other sessions signed out"


class SecurityEvent(models.Model):
    """One append-only line of a person's own security log (not a tenant's audit log)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=SecurityAction.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for {self.user}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Security events are append-only.")


class LeakPolicy(models.TextChoices):
    REVOKE = "revoke", "Revoke the key at once"
    NOTIFY = "notify", "Only notify"


class TeamKeyCreators(models.TextChoices):
    ADMINS = "admin", "Admins and owners"
    OWNERS = "owner", "Owners only"


class SecurityPolicy(models.Model):
    """An organisation's rules for its keys and members; the owner sets them. An
    organisation without a row has the defaults (no rule, leaks revoked)."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="security_policy"
    )
    require_expiry = models.BooleanField(
        default=False, help_text="Every new or regenerated key must have an expiry date."
    )
    max_lifetime_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="A key stops working this many days after its secret was made. Empty: no limit.",
    )
    idle_revoke_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Keys unused for this many days are revoked. Empty: never.",
    )
    leak_policy = models.CharField(
        max_length=10, choices=LeakPolicy.choices, default=LeakPolicy.REVOKE
    )
    require_mfa = models.BooleanField(
        default=False, help_text="Every member must set up two-factor authentication."
    )
    team_keys_by = models.CharField(
        max_length=10, choices=TeamKeyCreators.choices, default=TeamKeyCreators.ADMINS
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "security policy"
        verbose_name_plural = "security policies"

    def __str__(self) -> str:
        return f"Security policy of {self.tenant}"

    @classmethod
    def of(cls, tenant: Tenant) -> SecurityPolicy:
        """The organisation's policy, or the defaults (unsaved) when it never set one."""
        try:
            return tenant.security_policy
        except cls.DoesNotExist:
            return cls(tenant=tenant)
