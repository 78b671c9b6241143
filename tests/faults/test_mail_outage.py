"""SMTP down: an invitation and a leak report still succeed; their e-mails wait in the task
queue and the worker delivers them once SMTP is back. A real SMTP sink (aiosmtpd)."""

from __future__ import annotations

import contextlib
import email
import json
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage as Message
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership
from conftest import make_user
from tests.api.conftest import ApiClient


class Sink:
    """Keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def queued_mail(transactional_db: None, settings: Any, smtp_port: int) -> None:
    """The real queue (the database backend) and SMTP to a port nobody listens on yet.
    Transactional: the worker closes connections it thinks stale, as a worker should, and
    one inside a test's transaction counts as stale on PostgreSQL."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_RETRY_BACKOFF = 60


@pytest.fixture
def sink(smtp_port: int) -> Iterator[tuple[Sink, Controller]]:
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    yield handler, controller
    with contextlib.suppress(AssertionError):  # never started
        controller.stop()


def run_worker() -> None:
    call_command("db_worker", "--batch", verbosity=0)


def test_with_smtp_down_nothing_fails_and_mail_arrives_once_it_is_back(
    queued_mail: None, sink: tuple[Sink, Controller], client_for: Any, owner: Any, member_key: Any
) -> None:
    handler, controller = sink
    invited = client_for(owner).post(
        "/console/members/invite", {"email": "new@acme.test", "role": "member"}
    )
    assert invited.status_code == 302
    reported = ApiClient().post_json("/api/v1/keys/leaked", {"keys": [member_key[1]]})
    assert reported.status_code == 202

    run_worker()  # SMTP is down: both fail and are queued again, later
    assert handler.messages == []

    controller.start()
    run_worker()  # not yet: the retry waits for its backoff
    assert handler.messages == []
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        run_worker()
    subjects = sorted(str(m["Subject"]).strip() for m in handler.messages)
    assert len(subjects) == 2, subjects
    assert subjects[0].startswith("Keyward: API key") and "invited to Acme" in subjects[1]

    invitation = next(m for m in handler.messages if "invited" in str(m["Subject"]))
    link = re.search(r"http://testserver(/invitations/\S+)", invitation.get_content())
    assert link, invitation.get_payload()
    newcomer = make_user("new@acme.test")
    accepted = client_for(newcomer).post(link.group(1))
    assert accepted.status_code == 302
    assert Membership.objects.filter(user=newcomer).exists()


def test_a_name_with_a_newline_cannot_break_the_headers(
    queued_mail: None, sink: tuple[Sink, Controller], member_key: Any
) -> None:
    from apikeys.models import ApiKey

    ApiKey.objects.filter(pk=member_key[0].pk).update(name="evil\nBcc: x@y.test")
    handler, controller = sink
    controller.start()
    assert (
        ApiClient().post_json("/api/v1/keys/leaked", {"keys": [member_key[1]]}).status_code == 202
    )
    run_worker()
    (message,) = handler.messages
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"])


def test_a_password_reset_during_an_smtp_outage_arrives_later_and_works(
    queued_mail: None, sink: tuple[Sink, Controller], client: Any, owner: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    handler, controller = sink
    assert client.post("/password-reset", {"email": owner.email}).status_code == 302
    run_worker()  # SMTP down: queued again
    controller.start()
    waiting = " ".join(json.dumps(row.args_kwargs) for row in DBTaskResult.objects.all())
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        run_worker()
    (message,) = handler.messages
    link = re.search(r"http://testserver(/password-reset/\S+)", message.get_content())
    assert link, message.get_content()
    # While it waited, the task table held the message sealed: no link, address or text.
    assert waiting and link.group(1) not in waiting and "/password-reset/" not in waiting
    assert owner.email not in waiting and "password" not in waiting.lower()
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200 and b'name="password1"' in page.content  # a valid link


def test_a_message_sealed_before_a_secret_key_rotation_still_opens(settings: Any) -> None:
    from cryptography.fernet import InvalidToken

    from core import mail

    settings.SECRET_KEY = "old " * 20
    sealed = mail.seal("Subject", "a reset link", ["a@b.test"])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new " * 20, ["old " * 20]
    assert mail.unseal(sealed) == ("Subject", "a reset link", ["a@b.test"])
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        mail.unseal(sealed)
