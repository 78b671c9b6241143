"""People: deactivating a user withdraws everything they hold (through `user_deactivated`)."""

from __future__ import annotations

from django.db import transaction

from accounts import security, tenants
from accounts.models import User
from accounts.signals import user_deactivated
from core.acting import Actor


def deactivate(actor: Actor, user: User) -> None:
    """The user can no longer sign in, and their user keys are revoked everywhere."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_deactivated.send(sender=User, user=user, actor=actor)


def create_verified_account(email: str, password_hash: str, organisation: str) -> User:
    """An account whose address was proven by a code (sign-up over the API): the user with
    an already-hashed password, its verified address, and its first organisation, as the
    console's sign-up makes them."""
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=None)
        user.password = password_hash
        user.save(update_fields=["password"])
        security.mark_verified(user)
        tenants.create_tenant(organisation, owner=user)
    return user
