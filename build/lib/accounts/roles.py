"""Roles inside a tenant and what each may do."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


def at_least(role: str, minimum: str) -> bool:
    return RANK[Role(role)] >= RANK[Role(minimum)]


def is_admin(role: str) -> bool:
    """Team administrators: admins and owners."""
    return at_least(role, Role.ADMIN)


def is_owner(role: str) -> bool:
    return role == Role.OWNER


def can_manage_member(actor_role: str, target_role: str) -> bool:
    """Admins manage members and admins; only owners touch owners."""
    if is_owner(actor_role):
        return True
    return is_admin(actor_role) and target_role != Role.OWNER


def assignable_roles(actor_role: str) -> list[Role]:
    """Roles the actor may give: owners any; admins anything below owner."""
    if is_owner(actor_role):
        return [Role.OWNER, Role.ADMIN, Role.MEMBER]
    if is_admin(actor_role):
        return [Role.ADMIN, Role.MEMBER]
    return []
