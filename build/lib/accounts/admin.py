from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import memberships, tenants, users
from accounts.models import (
    AuditEvent,
    Invitation,
    Membership,
    SecurityEvent,
    SecurityPolicy,
    Tenant,
    User,
)
from core.acting import Actor
from core.admin import AdminBasics, KeywardAdmin, ReadOnlyPageAdmin


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member (the admin site lets nobody else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


class MembershipInline(admin.TabularInline[Membership, Tenant]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    can_delete = False  # removing a member revokes their keys: the Memberships page does it


@admin.register(User)
class UserAdmin(AdminBasics[User], DjangoUserAdmin[Any]):  # our User is not an AbstractUser
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Deactivating goes through the service, which revokes the user's keys."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # saved as it was; the service deactivates
        super().save_model(request, obj, form, change)
        if deactivating:
            users.deactivate(Actor.staff(staff_user(request), request), obj)

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Tenant)
class TenantAdmin(KeywardAdmin[Tenant]):
    list_display = [
        "name",
        "slug",
        "time_zone",
        "is_active",
        "rate_limit",
        "monthly_executions",
        "created_at",
    ]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        """Changes go through the tenant service, as in the console: audited, and a new time
        zone re-buckets the organisation's usage."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        stored = Tenant.objects.get(pk=obj.pk)
        tenants.update_settings(Actor.staff(staff_user(request), request), stored, **changes)


@admin.register(Membership)
class MembershipAdmin(KeywardAdmin[Membership]):
    list_display = ["user", "tenant", "role", "joined_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "tenant__name", "tenant__slug"]
    autocomplete_fields = ["user", "tenant"]
    list_select_related = ["user", "tenant"]

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None and memberships.is_last_owner(obj):
            return False  # an organisation keeps at least one owner
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        """Removal goes through the membership service: keys revoked, invitations withdrawn,
        audited — and the last owner kept."""
        memberships.remove_as_staff(Actor.staff(staff_user(request), request), obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "tenant"):
            self.delete_model(request, membership)


INVITATION_FIELDS: tuple[str, ...] = ("tenant", "email", "role", "invited_by", "created_at")
INVITATION_FIELDS += ("expires_at", "accepted_at", "accepted_by", "revoked_at")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyPageAdmin[Invitation]):
    list_display = ["email", "tenant", "role", "state", "invited_by", "created_at", "expires_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["email", "tenant__name"]
    list_select_related = ["tenant", "invited_by"]
    # The token digest is never shown, nor editable: an invitation is created in the console.
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS
    secret_fields = ("token_digest",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyPageAdmin[AuditEvent]):
    list_display = ["created_at", "tenant", "action", "actor_label", "target_label", "ip"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_label", "target_label", "tenant__name", "ip"]
    # No date hierarchy: its year/month links scan the whole (append-only, growing) table.
    list_select_related = ["tenant"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyPageAdmin[SecurityEvent]):
    """A person's own security log: read-only, like the audit log."""

    list_display = ["created_at", "user", "action", "ip"]
    list_filter = ["action"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "created_at", "action", "ip", "user_agent", "details"]


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(ReadOnlyPageAdmin[SecurityPolicy]):
    """Owners set it in the console (Settings → Security), in sudo mode and audited."""

    list_display = [
        "tenant",
        "require_expiry",
        "max_lifetime_days",
        "idle_revoke_days",
        "leak_policy",
        "require_mfa",
        "team_keys_by",
        "updated_at",
    ]
    list_filter = ["leak_policy", "require_mfa", "team_keys_by"]
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
