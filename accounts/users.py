"""People: deactivating a user withdraws everything they hold (through `user_deactivated`)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.signals import user_deactivated
from core.acting import Actor


def deactivate(actor: Actor, user: User) -> None:
    """The user can no longer sign in, and their user keys are revoked everywhere."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_deactivated.send(sender=User, user=user, actor=actor)
