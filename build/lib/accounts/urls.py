from django.urls import path

from accounts.views import account, members, security, tenant

urlpatterns = [
    path("account", account.account, name="account"),
    path("account/sessions/end-others", account.end_other_sessions, name="account-end-sessions"),
    path("switch", tenant.switch_tenant, name="tenant-switch"),
    path("tenants/new", tenant.create_tenant, name="tenant-create"),
    path("settings", tenant.tenant_settings, name="tenant-settings"),
    path("settings/security", security.security_settings, name="tenant-security"),
    path("audit", tenant.audit_log, name="audit-log"),
    path("members", members.member_list, name="members"),
    path("members/invite", members.invite, name="member-invite"),
    path("members/leave", members.leave, name="member-leave"),
    path("members/<int:pk>/role", members.change_role, name="member-role"),
    path("members/<int:pk>/remove", members.remove, name="member-remove"),
    path("members/<int:pk>/transfer", members.transfer, name="member-transfer"),
    path("invitations/<int:pk>/revoke", members.revoke_invitation, name="invitation-revoke"),
]
