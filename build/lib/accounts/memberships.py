"""Operations on an organisation's members and invitations. Each checks the actor's role,
keeps at least one owner, and writes the audit log in the same transaction.

What a person could do must end with their rights: leaving or being removed revokes their
user keys (through `membership_ending`), and invitations they sent that they could no
longer send are withdrawn — and re-checked against the inviter when accepted."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import (
    AuditAction,
    Invitation,
    InvitationQuerySet,
    Membership,
    Tenant,
    User,
    invitation_digest,
)
from accounts.roles import Role, assignable_roles, can_manage_member, is_admin, is_owner
from accounts.signals import membership_ending
from core.acting import Actor


class LastOwnerError(ValidationError):
    def __init__(self) -> None:
        super().__init__("An organisation must keep at least one owner.")


def _lock_owners(tenant: Tenant) -> int:
    """Lock the tenant's owner rows and count them, so two demotions cannot both pass."""
    return len(list(Membership.objects.for_tenant(tenant).owners().select_for_update()))


def is_last_owner(membership: Membership) -> bool:
    owners = Membership.objects.for_tenant(membership.tenant).owners()
    return membership.role == Role.OWNER and owners.count() <= 1


def _refresh_locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("user", "tenant")
        .get(pk=membership.pk)
    )


def change_role(actor: Actor, by: Membership, target: Membership, role: str) -> Membership:
    if not can_manage_member(by.role, target.role) or Role(role) not in assignable_roles(by.role):
        raise PermissionDenied("Your role cannot give that role.")
    with transaction.atomic():
        target = _refresh_locked(target)
        if target.role == role:
            return target
        if target.role == Role.OWNER and _lock_owners(target.tenant) <= 1:
            raise LastOwnerError()
        old = target.role
        target.role = role
        target.save(update_fields=["role"])
        audit.record(actor, target.tenant, AuditAction.ROLE_CHANGED, target, old=old, new=role)
        _withdraw_invitations_beyond(actor, target, "inviter's role changed")
    return target


def transfer_ownership(actor: Actor, by: Membership, target: Membership) -> None:
    """The owner hands ownership to another member and becomes an admin."""
    if not is_owner(by.role):
        raise PermissionDenied("Only an owner can transfer ownership.")
    if target.pk == by.pk:
        raise ValidationError("You already own this organisation.")
    with transaction.atomic():
        by, target = _refresh_locked(by), _refresh_locked(target)
        old = target.role
        target.role = Role.OWNER
        target.save(update_fields=["role"])
        by.role = Role.ADMIN
        by.save(update_fields=["role"])
        audit.record(actor, target.tenant, AuditAction.OWNERSHIP_TRANSFERRED, target, old=old)
        _withdraw_invitations_beyond(actor, by, "inviter's role changed")


def remove(actor: Actor, by: Membership, target: Membership) -> None:
    """An admin removes someone; their session loses the organisation and their keys are
    revoked at once."""
    if target.pk == by.pk:
        raise ValidationError("To remove yourself, leave the organisation instead.")
    if not can_manage_member(by.role, target.role):
        raise PermissionDenied("Your role cannot remove this member.")
    _delete(actor, target, AuditAction.MEMBER_REMOVED, "member removed")


def remove_as_staff(actor: Actor, target: Membership) -> None:
    """Staff (the Django admin) remove a member: the same consequences as in the console."""
    _delete(actor, target, AuditAction.MEMBER_REMOVED, "member removed")


def leave(actor: Actor, membership: Membership) -> None:
    _delete(actor, membership, AuditAction.MEMBER_LEFT, "member left")


def _delete(actor: Actor, target: Membership, action: AuditAction, reason: str) -> None:
    with transaction.atomic():
        target = _refresh_locked(target)
        if target.role == Role.OWNER and _lock_owners(target.tenant) <= 1:
            raise LastOwnerError()
        audit.record(actor, target.tenant, action, target, email=target.user.email)
        _withdraw_invitations(actor, _pending_from(target), "inviter left")
        membership_ending.send(sender=Membership, membership=target, actor=actor, reason=reason)
        target.delete()


def _pending_from(membership: Membership) -> InvitationQuerySet:
    return (
        Invitation.objects.for_tenant(membership.tenant)
        .pending()
        .filter(invited_by=membership.user)
    )


def _withdraw_invitations_beyond(actor: Actor, inviter: Membership, reason: str) -> None:
    """Withdraw the inviter's pending invitations for roles they can no longer give."""
    allowed = assignable_roles(inviter.role)
    _withdraw_invitations(actor, _pending_from(inviter).exclude(role__in=allowed), reason)


def _withdraw_invitations(actor: Actor, pending: InvitationQuerySet, reason: str) -> None:
    now = timezone.now()
    for invitation in pending.select_for_update():
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor, invitation.tenant, AuditAction.INVITATION_REVOKED, invitation, reason=reason
        )


def invite(actor: Actor, by: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create an invitation (replacing a pending one to the same address); return the token."""
    if not is_admin(by.role) or Role(role) not in assignable_roles(by.role):
        raise PermissionDenied("Your role cannot invite with that role.")
    tenant = by.tenant
    with transaction.atomic():
        Invitation.objects.for_tenant(tenant).pending().filter(email=email.lower()).update(
            revoked_at=timezone.now()
        )
        invitation, token = Invitation.create(tenant, email, role, invited_by=by.user)
        audit.record(actor, tenant, AuditAction.MEMBER_INVITED, invitation, role=role)
    return invitation, token


def revoke_invitation(actor: Actor, by: Membership, invitation: Invitation) -> None:
    if not is_admin(by.role):
        raise PermissionDenied("Only admins can revoke invitations.")
    with transaction.atomic():
        updated = (
            Invitation.objects.filter(pk=invitation.pk).pending().update(revoked_at=timezone.now())
        )
        if not updated:
            raise ValidationError("This invitation is no longer pending.")
        audit.record(actor, invitation.tenant, AuditAction.INVITATION_REVOKED, invitation)


class InvitationRefused(Exception):
    """The link cannot be used; the message says why, for the person holding it."""


def accept_invitation(actor: Actor, token: str, user: User) -> Membership:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("tenant")
            .filter(token_digest=invitation_digest(token))
            .first()
        )
        invitation = check_invitation(invitation, user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        membership = Membership.objects.create(
            user=user, tenant=invitation.tenant, role=invitation.role
        )
        audit.record(actor, invitation.tenant, AuditAction.MEMBER_JOINED, membership)
    return membership


def inviter_may_still_grant(invitation: Invitation) -> bool:
    """Accepting re-checks the inviter's current rights: an admin removed (or demoted, or
    deactivated) since cannot have planted an admin."""
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        return False
    membership = Membership.objects.filter(user=inviter, tenant=invitation.tenant).first()
    return membership is not None and Role(invitation.role) in assignable_roles(membership.role)


def check_invitation(invitation: Invitation | None, user: User | None) -> Invitation:
    """Return the invitation if `user` (or anyone, when None) may use it; else raise
    InvitationRefused with a message the person holding the link can act on."""
    if invitation is None:
        raise InvitationRefused("This invitation link is not valid. Ask for a new one.")
    state = invitation.state
    if state == "accepted":
        raise InvitationRefused("This invitation has already been used.")
    if state == "revoked":
        raise InvitationRefused("This invitation was withdrawn. Ask for a new one.")
    if state == "expired":
        raise InvitationRefused("This invitation has expired. Ask for a new one.")
    if not invitation.tenant.is_active:
        raise InvitationRefused("This organisation is no longer active.")
    if not inviter_may_still_grant(invitation):
        raise InvitationRefused(
            "This invitation is no longer valid: whoever sent it can no longer grant that "
            "role. Ask for a new one."
        )
    if user is not None:
        if user.email != invitation.email:
            raise InvitationRefused(
                f"This invitation is for {invitation.email}, but you are signed in as "
                f"{user.email}. Sign out and sign in with the invited address."
            )
        if Membership.objects.filter(user=user, tenant=invitation.tenant).exists():
            raise InvitationRefused(f"You are already a member of {invitation.tenant.name}.")
    return invitation
