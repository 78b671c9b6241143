"""Members page: list, invite, change role, remove, leave, transfer, invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import emails, memberships, security
from accounts.decorators import post_only, tenant_required, verified_email_required
from accounts.forms import InvitationSignUpForm, InviteForm, RoleForm, posted
from accounts.middleware import SESSION_KEY
from accounts.models import Invitation, Membership, User, invitation_digest
from accounts.roles import Role, assignable_roles, can_manage_member, is_admin
from accounts.sudo import sudo_required
from core.acting import Actor
from core.http import ConsoleRequest
from core.tenancy import get_for_tenant_or_404


def _membership_or_404(request: ConsoleRequest, pk: int) -> Membership:
    return get_for_tenant_or_404(Membership, request.tenant, pk=pk)


def _members_page(request: ConsoleRequest, invite_form: InviteForm | None = None) -> HttpResponse:
    tenant, me = request.tenant, request.membership
    rows = [
        {
            "membership": m,
            "is_me": m.pk == me.pk,
            "can_manage": m.pk != me.pk and can_manage_member(me.role, m.role),
        }
        for m in Membership.objects.for_tenant(tenant).select_related("user")
    ]
    context = {
        "rows": rows,
        "is_last_owner": memberships.is_last_owner(me),
        "roles": assignable_roles(me.role),
        "invite_form": invite_form or InviteForm(by=me),
        "invitations": Invitation.objects.for_tenant(tenant).pending() if is_admin(me.role) else [],
        "is_admin": is_admin(me.role),
    }
    return render(request, "accounts/members.html", context)


@tenant_required()
def member_list(request: ConsoleRequest) -> HttpResponse:
    return _members_page(request)


@post_only("members")
@tenant_required(role=Role.ADMIN)
@verified_email_required
@sudo_required
def invite(request: ConsoleRequest) -> HttpResponse:
    me = request.membership
    form = InviteForm(request.POST, by=me)
    if not form.is_valid():
        return _members_page(request, invite_form=form)
    invitation, _ = memberships.invite(
        Actor.from_request(request), me, form.cleaned_data["email"], form.cleaned_data["role"]
    )
    # Sent by the worker, which mints the link's token: the queue never holds one.
    emails.queue_invitation(invitation, request.build_absolute_uri("/"), request.user)
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("members")


@post_only("members")
@tenant_required()
@sudo_required
def change_role(request: ConsoleRequest, pk: int) -> HttpResponse:
    target, me = _membership_or_404(request, pk), request.membership
    if not can_manage_member(me.role, target.role):
        raise PermissionDenied("Your role cannot change this member's role.")
    form = RoleForm(request.POST, by=me)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect("members")
    try:
        memberships.change_role(Actor.from_request(request), me, target, form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{target.user.email} is now {form.cleaned_data['role']}.")
    return redirect("members")


@require_http_methods(["GET", "POST"])
@tenant_required()
def remove(request: ConsoleRequest, pk: int) -> HttpResponse:
    target, me = _membership_or_404(request, pk), request.membership
    if request.method == "POST":
        try:
            memberships.remove(Actor.from_request(request), me, target)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"{target.user.email} was removed.")
        return redirect("members")
    if target.pk == me.pk:
        return redirect("member-leave")
    if not can_manage_member(me.role, target.role):
        raise PermissionDenied("Your role cannot remove this member.")
    return render(request, "accounts/member_remove.html", {"target": target})


@require_http_methods(["GET", "POST"])
@tenant_required()
@sudo_required
def transfer(request: ConsoleRequest, pk: int) -> HttpResponse:
    target, me = _membership_or_404(request, pk), request.membership
    if request.method == "POST":
        try:
            memberships.transfer_ownership(Actor.from_request(request), me, target)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"{target.user.email} now owns {target.tenant.name}.")
        return redirect("members")
    if me.role != Role.OWNER:
        raise PermissionDenied("Only an owner can transfer ownership.")
    return render(request, "accounts/member_transfer.html", {"target": target})


@require_http_methods(["GET", "POST"])
@tenant_required()
def leave(request: ConsoleRequest) -> HttpResponse:
    me = request.membership
    if request.method == "POST":
        try:
            memberships.leave(Actor.from_request(request), me)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("members")
        messages.success(request, f"You left {me.tenant.name}.")
        return redirect("console-home")
    context = {"tenant": me.tenant, "last_owner": memberships.is_last_owner(me)}
    return render(request, "accounts/member_leave.html", context)


@post_only("members")
@tenant_required(role=Role.ADMIN)
def revoke_invitation(request: ConsoleRequest, pk: int) -> HttpResponse:
    invitation = get_for_tenant_or_404(Invitation, request.tenant, pk=pk)
    try:
        memberships.revoke_invitation(Actor.from_request(request), request.membership, invitation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("members")


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. Signed in: accept. Signed out: sign in or create an account."""
    found = (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(token_digest=invitation_digest(token))
        .first()
    )
    user = request.user if isinstance(request.user, User) else None
    try:
        found = memberships.check_invitation(found, user)
    except memberships.InvitationRefused as refusal:
        return render(request, "accounts/invitation_refused.html", {"reason": refusal}, status=410)

    signup_form = None
    if user is None:
        signup_form = InvitationSignUpForm(posted(request), initial={"email": found.email})
        if request.method == "POST" and signup_form.is_valid():
            if signup_form.cleaned_data["email"] != found.email:
                signup_form.add_error("email", f"This invitation is for {found.email}.")
            else:
                with transaction.atomic():
                    user = User.objects.create_user(
                        found.email, signup_form.cleaned_data["password"]
                    )
                    security.mark_verified(user)
                    _accept(request, token, user)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("console-home")
    elif request.method == "POST":
        try:
            _accept(request, token, user)
        except memberships.InvitationRefused as refusal:
            return render(
                request, "accounts/invitation_refused.html", {"reason": refusal}, status=410
            )
        return redirect("console-home")
    context = {"invitation": found, "signup_form": signup_form, "token": token}
    return render(request, "accounts/invitation.html", context)


def _accept(request: HttpRequest, token: str, user: User) -> None:
    membership = memberships.accept_invitation(
        Actor(user=user, label=user.email, ip=Actor.from_request(request).ip), token, user
    )
    request.session[SESSION_KEY] = membership.tenant_id
    messages.success(request, f"You joined {membership.tenant.name} as {membership.role}.")
