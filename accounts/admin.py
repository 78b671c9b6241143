from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from core.admin import AdminBasics, KeywardAdmin, ReadOnlyPageAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(AdminBasics, DjangoUserAdmin):  # type: ignore[misc]
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Tenant)
class TenantAdmin(KeywardAdmin):
    list_display = ["name", "slug", "time_zone", "is_active", "rate_limit", "created_at"]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(KeywardAdmin):
    list_display = ["user", "tenant", "role", "joined_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "tenant__name", "tenant__slug"]
    autocomplete_fields = ["user", "tenant"]
    list_select_related = ["user", "tenant"]


INVITATION_FIELDS: tuple[str, ...] = ("tenant", "email", "role", "invited_by", "created_at")
INVITATION_FIELDS += ("expires_at", "accepted_at", "accepted_by", "revoked_at")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyPageAdmin):
    list_display = ["email", "tenant", "role", "state", "invited_by", "created_at", "expires_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["email", "tenant__name"]
    list_select_related = ["tenant", "invited_by"]
    # The token digest is never shown, nor editable: an invitation is created in the console.
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS
    secret_fields = ("token_digest",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyPageAdmin):
    list_display = ["created_at", "tenant", "action", "actor_label", "target_label", "ip"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_label", "target_label", "tenant__name", "ip"]
    # No date hierarchy: its year/month links scan the whole (append-only, growing) table.
    list_select_related = ["tenant"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
