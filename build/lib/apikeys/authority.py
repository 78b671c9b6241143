"""Who may do what to which key: the one policy the console, the API and the admin obey.

Regenerating returns a new secret, so it is as powerful as creating a key: a person may
roll only their own user keys, admins and owners the team's keys, and nobody — not even the
owner — another person's key. Through the API a key acts as its user (or, a team key, as
an admin) and on top of that may create or regenerate only keys whose scopes it holds and
that are at least as restricted (networks, flows) as itself. An organisation's security
policy may reserve team keys to owners.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from accounts.models import SecurityPolicy, TeamKeyCreators
from accounts.roles import Role, at_least
from apikeys import restrictions
from apikeys.models import ApiKey, Kind
from core.acting import Principal, ScopeRefused


class Action(StrEnum):
    SEE = "see"
    CREATE = "create"
    REGENERATE = "regenerate"
    REVOKE = "revoke"


class Target(StrEnum):
    OWN = "own user key"
    COLLEAGUE = "another member's user key"
    TEAM = "team key"


EVERYONE, ADMINS, NOBODY = Role.MEMBER, Role.ADMIN, None

# The least role that may take each action on each kind of target; NOBODY: no role may.
RULES: dict[tuple[Action, Target], Role | None] = {
    (Action.SEE, Target.OWN): EVERYONE,
    (Action.SEE, Target.COLLEAGUE): ADMINS,
    (Action.SEE, Target.TEAM): ADMINS,
    (Action.CREATE, Target.OWN): EVERYONE,
    (Action.CREATE, Target.COLLEAGUE): NOBODY,
    (Action.CREATE, Target.TEAM): ADMINS,
    (Action.REGENERATE, Target.OWN): EVERYONE,
    (Action.REGENERATE, Target.COLLEAGUE): NOBODY,
    (Action.REGENERATE, Target.TEAM): ADMINS,
    (Action.REVOKE, Target.OWN): EVERYONE,
    (Action.REVOKE, Target.COLLEAGUE): ADMINS,
    (Action.REVOKE, Target.TEAM): ADMINS,
}
MINTING = (Action.CREATE, Action.REGENERATE)

REFUSALS = {
    Action.CREATE: "You cannot create this kind of key.",
    Action.REGENERATE: "Only the key's own user can regenerate a user key, and only admins "
    "and owners a team key.",
    Action.REVOKE: "Only admins and owners, and a user key's own user, can revoke this key.",
}


def least_role(principal: Principal, action: Action, target: Target) -> Role | None:
    """The table's answer, raised to owners for minting team keys where the policy says so."""
    least = RULES[(action, target)]
    if least is not None and action in MINTING and target == Target.TEAM:
        policy = SecurityPolicy.of(principal.tenant)
        if policy.team_keys_by == TeamKeyCreators.OWNERS:
            return Role.OWNER
    return least


def allows(principal: Principal, action: Action, target: Target) -> bool:
    least = least_role(principal, action, target)
    return least is not None and at_least(principal.role, least)


def target_of(principal: Principal, kind: str, user_id: int | None) -> Target:
    if kind == Kind.TEAM:
        return Target.TEAM
    if principal.user is not None and user_id == principal.user.pk:
        return Target.OWN
    return Target.COLLEAGUE


def visible(principal: Principal) -> Q:
    """The keys of the principal's organisation it may see, as a filter."""
    mine = Q(kind=Kind.USER, user=principal.user) if principal.user else Q(pk__in=[])
    by_target = {
        Target.OWN: mine,
        Target.COLLEAGUE: Q(kind=Kind.USER) & ~mine,
        Target.TEAM: Q(kind=Kind.TEAM),
    }
    condition = Q(pk__in=[])
    for target, rows in by_target.items():
        if allows(principal, Action.SEE, target):
            condition |= rows
    return Q(tenant=principal.tenant) & condition


def may(principal: Principal, action: Action, key: ApiKey) -> bool:
    """Whether `check` would let this action through (for showing buttons)."""
    try:
        check(principal, action, key)
    except (PermissionDenied, Http404):
        return False
    return True


def check(principal: Principal, action: Action, key: ApiKey) -> None:
    """Refuse unless the principal may take `action` on this existing key: Http404 when it
    may not even see it (another organisation's key looks like a missing one), else
    PermissionDenied, or ScopeRefused when the acting key lacks one of the key's scopes."""
    target = target_of(principal, key.kind, key.user_id)
    if key.tenant_id != principal.tenant.pk or not allows(principal, Action.SEE, target):
        raise Http404("No API key matches the given query.")
    if not allows(principal, action, target):
        raise PermissionDenied(REFUSALS.get(action, "You cannot do this to this key."))
    if action in MINTING:
        check_scopes(principal, list(key.scopes))
        check_restrictions(principal, list(key.allowed_ips), list(key.flows))


def check_create(
    principal: Principal,
    kind: str,
    scopes: list[str],
    allowed_ips: list[str] | None = None,
    flows: list[str] | None = None,
) -> None:
    """Refuse a new key of this kind, these scopes (already normalised) and restrictions."""
    user_id = principal.user.pk if principal.user is not None else None
    if not allows(principal, Action.CREATE, target_of(principal, kind, user_id)):
        if kind == Kind.TEAM:
            if at_least(principal.role, Role.ADMIN):
                raise PermissionDenied("This organisation lets only owners create team keys.")
            raise PermissionDenied("Only admins and owners can create team keys.")
        raise PermissionDenied("A team key cannot create user keys: create one in the console.")
    check_scopes(principal, scopes)
    check_restrictions(principal, allowed_ips or [], flows or [])


class RestrictionRefused(PermissionDenied):
    """Through a restricted key: the new secret would reach further than the key."""

    def __init__(self, what: str) -> None:
        super().__init__(f"A restricted key can only mint keys at least as restricted: {what}.")


def check_restrictions(principal: Principal, allowed_ips: list[str], flows: list[str]) -> None:
    """A key never mints a secret usable from more networks or on more flows than itself."""
    if not restrictions.within(allowed_ips, principal.key_networks):
        raise RestrictionRefused("its networks must lie within this key's")
    if not restrictions.flows_within(flows, sorted(principal.key_flows or [])):
        raise RestrictionRefused("its flows must be among this key's")


def check_scopes(principal: Principal, scopes: list[str]) -> None:
    """A key never mints a secret broader than itself."""
    if principal.key_scopes is None:
        return
    missing = [scope for scope in scopes if scope not in principal.key_scopes]
    if missing:
        raise ScopeRefused(missing)
