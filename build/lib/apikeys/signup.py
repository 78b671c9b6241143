"""Sign-up over the API, in three calls: ask (a 6-digit code is e-mailed), verify (the code
gives a short-lived, one-use sign-up token and creates the account), key (the token gives the
account's first user key, once).

Nothing tells whether an address already has an account: asking answers the same and
costs the same password hash, the address is e-mailed "you already have an account"
instead of a code, and so its verification fails like a wrong code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Membership, User, normalize_email
from accounts.users import create_verified_account
from apikeys import keys
from apikeys.models import ApiKey, Kind, SignupRequest
from core.acting import Actor, Principal
from core.mail import send_later

CODE_LIFETIME = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5


class SignupRefused(Exception):
    """The code or the token does not work (wrong, expired, used up): one answer for all."""


def _digest(secret: str) -> str:
    return hmac.new(settings.APIKEY_PEPPER.encode(), secret.encode(), hashlib.sha256).hexdigest()


@sensitive_variables("password", "code")
def ask(email: str, password: str, organisation: str) -> None:
    """Start a sign-up: e-mail a code, or tell an existing account's address so instead."""
    email = normalize_email(email)
    password_hash = make_password(password)  # also for a taken address: the same cost
    if User.objects.filter(email=email).exists():
        send_later(
            "Keyward: you already have an account",
            "Someone (perhaps you) tried to sign up to Keyward with this address, which "
            "already has an account. No new account was made.\n\nSign in instead, or reset "
            "your password from the sign-in page if you have forgotten it. If it was not "
            "you, you can ignore this e-mail.\n",
            [email],
        )
        return
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        SignupRequest.objects.filter(email=email, user=None).delete()  # the newest code wins
        SignupRequest.objects.create(
            email=email,
            password_hash=password_hash,
            organisation=organisation,
            code_digest=_digest(code),
            expires_at=timezone.now() + CODE_LIFETIME,
        )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    send_later(
        "Keyward: your sign-up code",
        f"Your Keyward sign-up code is {code}\n\nIt expires in {minutes} minutes. If you did "
        "not ask for it, ignore this e-mail: no account is made without it.\n",
        [email],
    )


@sensitive_variables("code", "token")
def verify(email: str, code: str) -> str:
    """A right code creates the account and returns the sign-up token (shown once)."""
    now = timezone.now()
    pending = SignupRequest.objects.filter(
        email=normalize_email(email), user=None, expires_at__gt=now
    )
    found = pending.order_by("-created_at").first()
    # Each try counts before it is compared: the fifth wrong code ends the request.
    if found is None or not pending.filter(pk=found.pk, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    ):
        raise SignupRefused()
    if not hmac.compare_digest(found.code_digest, _digest(code)):
        raise SignupRefused()
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            user = create_verified_account(found.email, found.password_hash, found.organisation)
            claimed = SignupRequest.objects.filter(pk=found.pk, user=None).update(
                user=user,
                token_digest=_digest(token),
                token_expires_at=now + TOKEN_LIFETIME,
                password_hash="",
            )
            if not claimed:
                raise IntegrityError("verified twice")
    except IntegrityError:  # the address signed up another way meanwhile, or a twin call won
        raise SignupRefused() from None
    return token


@sensitive_variables("token", "raw")
def first_key(token: str, name: str) -> tuple[ApiKey, str]:
    """The account's first user key, for a token used once before it expires."""
    now = timezone.now()
    with transaction.atomic():
        found = SignupRequest.objects.filter(
            token_digest=_digest(token), token_used_at=None, token_expires_at__gt=now
        ).first()
        if found is None or found.user is None:
            raise SignupRefused()
        if not SignupRequest.objects.filter(pk=found.pk, token_used_at=None).update(
            token_used_at=now
        ):
            raise SignupRefused()
        membership = (
            Membership.objects.filter(user=found.user, user__is_active=True)
            .select_related("tenant", "user")
            .order_by("pk")
            .first()
        )
        if membership is None:
            raise SignupRefused()
        actor = Actor(user=found.user, label=f"{found.user.email} (sign-up)", ip=None)
        return keys.create(actor, Principal.of_membership(membership), kind=Kind.USER, name=name)
