"""Keys in the Django admin: masked, read-only, revocable; never the digest."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from apikeys import keys
from apikeys.models import ApiKey
from core.acting import Actor
from core.admin import ReadOnlyPageAdmin
from core.network import client_ip

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
    "state",
    "created_at",
    "expires_at",
    "revoked_at",
    "revoked_by",
    "previous_expires_at",
    "last_used_at",
    "last_used_ip",
)


class StateFilter(admin.SimpleListFilter):
    """Active, expired or revoked, as the console shows them."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        now = timezone.now()
        live = queryset.filter(revoked_at__isnull=True)
        if self.value() == "active":
            return live.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        if self.value() == "expired":
            return live.filter(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyPageAdmin):
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

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Revoking keeps the key and its audit trail; deleting would not.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = Actor(
            user=request.user,  # type: ignore[arg-type]
            label=f"staff: {request.user.email}",  # type: ignore[union-attr]
            ip=client_ip(request),
        )
        revoked = sum(keys.revoke_as_staff(actor, key) for key in queryset.select_related("tenant"))
        skipped = queryset.count() - revoked
        text = f"Revoked {revoked} key(s)."
        if skipped:
            text += f" {skipped} already revoked."
        self.message_user(request, text, messages.SUCCESS)
