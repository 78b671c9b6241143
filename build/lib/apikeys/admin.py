"""Keys in the Django admin: masked, read-only, revocable; never the digest."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.admin import staff_user
from apikeys import keys
from apikeys.models import (
    ApiKey,
    ApiKeyQuerySet,
    DeviceAuthorization,
    KeySighting,
    SignupRequest,
    State,
)
from core.acting import Actor
from core.admin import ReadOnlyPageAdmin

# digest and previous_digest are deliberately absent: staff never see them.
KEY_FIELDS = (
    "public_id",
    "name",
    "description",
    "tenant",
    "kind",
    "user",
    "created_by",
    "masked",
    "scopes",
    "allowed_ips",
    "flows",
    "state",
    "created_at",
    "expires_at",
    "lifetime_ends_at",
    "revoked_at",
    "revoked_by",
    "previous_expires_at",
    "last_used_at",
    "last_used_ip",
)


class StateFilter(admin.SimpleListFilter):
    """Active, expired, revoked or inactive: the state authentication goes by."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.label) for state in State]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() in State.values:
            return queryset.filter(Q(key_state=self.value()))
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyPageAdmin[ApiKey]):
    list_display = [
        "name",
        "masked",
        "tenant",
        "kind",
        "owner",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    list_filter = ["tenant", "kind", StateFilter]
    search_fields = ["name", "public_id", "user__email", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant", "user"]
    # Keys are minted in the console or by `create_api_key`, where the secret is shown once.
    fields = KEY_FIELDS
    readonly_fields = KEY_FIELDS
    actions = ["revoke_selected"]
    secret_fields = ("digest", "previous_digest")

    @admin.display(description="Key")
    def masked(self, key: ApiKey) -> str:
        return key.masked

    @admin.display(description="Owner", ordering="user__email")
    def owner(self, key: ApiKey) -> str:
        return key.user.email if key.user else "Team"

    @admin.display(description="State")
    def state(self, key: ApiKey) -> str:
        return key.state.capitalize()

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        queryset = super().get_queryset(request)
        assert isinstance(queryset, ApiKeyQuerySet)
        return queryset.with_state()

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Revoking keeps the key and its audit trail; deleting would not.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = Actor.staff(staff_user(request), request)
        revoked = sum(keys.revoke_as_staff(actor, key) for key in queryset.select_related("tenant"))
        skipped = queryset.count() - revoked
        text = f"Revoked {revoked} key(s)."
        if skipped:
            text += f" {skipped} already revoked."
        self.message_user(request, text, messages.SUCCESS)


DEVICE_FIELDS: tuple[str, ...] = (
    "user_code",
    "status",
    "client_id",
    "ip",
    "user_agent",
    "user",
    "tenant",
    "created_at",
    "expires_at",
    "decided_at",
    "key",
)


@admin.register(DeviceAuthorization)
class DeviceAuthorizationAdmin(ReadOnlyPageAdmin[DeviceAuthorization]):
    """Device logins (`keyward login`); the device code's digest is never shown."""

    list_display = ["user_code", "status", "user", "tenant", "ip", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "tenant__name"]
    list_select_related = ["user", "tenant"]
    fields = DEVICE_FIELDS
    readonly_fields = DEVICE_FIELDS
    secret_fields = ("device_digest",)


SIGNUP_FIELDS: tuple[str, ...] = (
    "email",
    "organisation",
    "attempts",
    "user",
    "created_at",
    "expires_at",
    "token_expires_at",
    "token_used_at",
)


@admin.register(SignupRequest)
class SignupRequestAdmin(ReadOnlyPageAdmin[SignupRequest]):
    """Sign-ups over the API; the password hash, code and token digests are never shown."""

    list_display = ["email", "organisation", "attempts", "user", "created_at", "expires_at"]
    search_fields = ["email"]
    fields = SIGNUP_FIELDS
    readonly_fields = SIGNUP_FIELDS
    secret_fields = ("password_hash", "code_digest", "token_digest")


@admin.register(KeySighting)
class KeySightingAdmin(ReadOnlyPageAdmin[KeySighting]):
    """Where keys were used from: written by authentication, read-only here."""

    list_display = ["key", "ip", "user_agent", "first_seen", "last_seen"]
    search_fields = ["ip", "key__public_id", "key__name"]
    list_select_related = ["key"]
    readonly_fields = ["key", "ip", "user_agent", "first_seen", "last_seen"]
