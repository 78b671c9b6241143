"""E-mail is never sent inside a request: it is queued as a task, and the worker
(`manage.py db_worker`) delivers it, retrying with backoff while SMTP is down.

`send_later(subject, body, to)` is the one way the apps send mail. The subject is made one
line, whatever stored text went into it, so no name can add or break a header.

A queued message waits in the task table, and some carry a secret (a password-reset link, a
sign-in or sign-up code), so it is stored sealed: encrypted under a key derived from
SECRET_KEY (its fallbacks still open what they sealed). A database dump alone reads none
of them; whoever also holds SECRET_KEY could mint those links anyway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
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


@cache
def _sealer(secrets: tuple[str, ...]) -> MultiFernet:
    def fernet(secret: str) -> Fernet:
        key = hashlib.sha256(f"keyward-mail:{secret}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    return MultiFernet([fernet(secret) for secret in secrets])


def sealer() -> MultiFernet:
    return _sealer((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def seal(subject: str, body: str, to: list[str]) -> str:
    message = {"subject": subject, "body": body, "to": to}
    return sealer().encrypt(json.dumps(message).encode()).decode()


def unseal(sealed: str) -> tuple[str, str, list[str]]:
    message = json.loads(sealer().decrypt(sealed.encode()))
    return str(message["subject"]), str(message["body"]), [str(a) for a in message["to"]]


@task()
def send_email(sealed: str, attempt: int = 1) -> bool:
    """The queued e-mail, sealed (see the module's docstring)."""
    subject, body, to = unseal(sealed)
    message = EmailMessage(one_line(subject), body, settings.DEFAULT_FROM_EMAIL, to)
    return deliver_or_retry(send_email, message.send, [sealed], attempt)


def send_later(subject: str, body: str, to: list[str]) -> None:
    """Queue one e-mail; the worker sends it (in tests, at once)."""
    if to:
        send_email.enqueue(seal(one_line(subject), body, sorted(set(to))))
