"""Invitation e-mails, delivered by the task worker.

The invitation link carries the only copy of its token, so the queued task holds no token:
the worker mints a fresh one as it sends (replacing the digest), and a retry mints again.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from django_tasks import task

from accounts.models import Invitation, User, invitation_digest
from core.mail import deliver_or_retry
from core.text import one_line


@task()
@sensitive_variables("token", "link", "body")
def send_invitation(
    invitation_id: int, site: str, inviter_id: int | None, attempt: int = 1
) -> bool:
    """Send a pending invitation with a fresh link; False if it is no longer pending."""
    token = secrets.token_urlsafe(32)
    updated = (
        Invitation.objects.filter(pk=invitation_id)
        .pending()
        .update(token_digest=invitation_digest(token))
    )
    if not updated:
        return False
    invitation = Invitation.objects.select_related("tenant").get(pk=invitation_id)
    inviter = User.objects.filter(pk=inviter_id).first() if inviter_id else None
    link = site.rstrip("/") + reverse("invitation", args=[token])
    context = {"invitation": invitation, "link": link, "inviter": inviter}
    body = render_to_string("accounts/email/invitation.txt", context)
    subject = one_line(f"You are invited to {invitation.tenant.name} on Keyward")
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    args = [invitation_id, site, inviter_id]
    return deliver_or_retry(send_invitation, message.send, args, attempt)


def queue_invitation(invitation: Invitation, site: str, inviter: object) -> None:
    inviter_id = inviter.pk if isinstance(inviter, User) else None
    send_invitation.enqueue(invitation.pk, site, inviter_id)
