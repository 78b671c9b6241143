"""Keys never come back: a person's user keys are revoked when they leave an organisation
or are deactivated, each revocation audited with the reason."""

from __future__ import annotations

from typing import Any

from accounts.models import Membership, SecurityPolicy, Tenant, User
from apikeys import keys
from apikeys import policy as key_policy
from core.acting import Actor


def revoke_on_membership_end(
    sender: Any, membership: Membership, actor: Actor, reason: str, **kwargs: Any
) -> None:
    keys.revoke_user_keys(actor, membership.user, membership.tenant, reason)


def revoke_on_deactivation(sender: Any, user: User, actor: Actor, **kwargs: Any) -> None:
    keys.revoke_user_keys(actor, user, None, "user deactivated")


def apply_lifetime(sender: Any, tenant: Tenant, policy: SecurityPolicy, **kwargs: Any) -> None:
    key_policy.apply_lifetime(tenant, policy)
