"""E-mail is never sent inside a request: it is queued as a task, and the worker
(`manage.py db_worker`) delivers it, retrying with backoff while SMTP is down.

`send_later(subject, body, to)` is the one way the apps send mail. The subject is made one
line, whatever stored text went into it, so no name can add or break a header.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template import loader
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task
from django_tasks.base import Task

from core.text import one_line

logger = logging.getLogger("keyward.mail")

# What a worker survives by trying again later: the server is down, refuses for now, or
# the connection breaks.
DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


def backoff(attempt: int) -> timedelta:
    """Seconds before the next try: doubling from EMAIL_RETRY_BACKOFF, at most an hour."""
    return timedelta(seconds=min(settings.EMAIL_RETRY_BACKOFF * 2 ** (attempt - 1), 3600))


def deliver_or_retry(
    queued: Task[Any, Any], send: Callable[[], object], args: list[Any], attempt: int
) -> bool:
    """Run `send`; on an SMTP failure queue `queued` again with backoff (up to
    EMAIL_MAX_ATTEMPTS tries). True when delivered."""
    try:
        send()
    except DELIVERY_ERRORS as error:
        if attempt >= settings.EMAIL_MAX_ATTEMPTS:
            logger.error("e-mail given up after %d attempts: %s", attempt, error)
            raise
        if not queued.get_backend().supports_defer:  # the immediate backend (tests)
            logger.error("e-mail delivery failed: %s", error)
            raise
        logger.warning("e-mail delivery failed (attempt %d), will retry: %s", attempt, error)
        later = queued.using(run_after=timezone.now() + backoff(attempt))
        later.enqueue(*args, attempt=attempt + 1)
        return False
    return True


@task()
def send_email(subject: str, body: str, to: list[str], attempt: int = 1) -> bool:
    """The queued e-mail."""
    message = EmailMessage(one_line(subject), body, settings.DEFAULT_FROM_EMAIL, to)
    return deliver_or_retry(send_email, message.send, [subject, body, to], attempt)


def send_later(subject: str, body: str, to: list[str]) -> None:
    """Queue one e-mail; the worker sends it (in tests, at once)."""
    if to:
        send_email.enqueue(one_line(subject), body, sorted(set(to)))


@task()
def send_password_reset(
    user_id: int, domain: str, protocol: str, templates: list[str], attempt: int = 1
) -> bool:
    """A password-reset e-mail. The link's token is made here, by the worker, so the queue
    never holds one (Django's tokens need no storage: any fresh one is valid)."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    subject_template, body_template = templates
    context = {
        "email": getattr(user, user.get_email_field_name()),
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    subject = one_line(loader.render_to_string(subject_template, context))
    body = loader.render_to_string(body_template, context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [context["email"]])
    args = [user_id, domain, protocol, templates]
    return deliver_or_retry(send_password_reset, message.send, args, attempt)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form (same answer whether or not the address has an account), with
    the e-mail queued for the worker instead of sent inside the request."""

    def save(
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: Any = default_token_generator,
        from_email: str | None = None,
        request: Any = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, Any] | None = None,
    ) -> None:
        domain = domain_override or (request.get_host() if request else "localhost")
        protocol = "https" if use_https else "http"
        templates = [subject_template_name, email_template_name]
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_reset.enqueue(user.pk, domain, protocol, templates)
