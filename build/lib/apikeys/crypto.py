"""Key format, checksum and digest. Pure functions: no database here.

A key is `kw_user_` or `kw_team_`, 64 lowercase hex characters (256 random bits), then
8 hex characters: the CRC32 of everything before them. The checksum lets us (and secret
scanners) reject a mistyped or made-up key without touching the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

PREFIXES = {"user": "kw_user_", "team": "kw_team_"}
BODY_HEX = 64
KEY_RE = re.compile(r"kw_(user|team)_([0-9a-f]{64})([0-9a-f]{8})")
KEY_LENGTH = len("kw_user_") + BODY_HEX + 8


@dataclass(frozen=True)
class ParsedKey:
    kind: str
    body: str
    raw: str


def checksum(text: str) -> str:
    return f"{zlib.crc32(text.encode('ascii')):08x}"


@sensitive_variables()
def generate(kind: str) -> str:
    head = PREFIXES[kind] + secrets.token_hex(BODY_HEX // 2)
    return head + checksum(head)


@sensitive_variables()
def parse(raw: str) -> ParsedKey | None:
    """The key's parts if its shape and checksum are right, else None."""
    if len(raw) != KEY_LENGTH:
        return None
    match = KEY_RE.fullmatch(raw)
    if match is None:
        return None
    kind, body, check = match.groups()
    if not hmac.compare_digest(check, checksum(raw[: -len(check)])):
        return None
    return ParsedKey(kind=kind, body=body, raw=raw)


@sensitive_variables()
def digest(raw: str) -> str:
    """HMAC-SHA256 under the server-side pepper: a database dump alone is useless.

    Keys carry 256 random bits, so a slow password hash would add cost, not safety.
    """
    pepper = settings.APIKEY_PEPPER.encode()
    return hmac.new(pepper, raw.encode(), hashlib.sha256).hexdigest()


@sensitive_variables()
def masked_parts(raw: str) -> tuple[str, str]:
    """(`kw_user_a1b2c3d4`, `9f0e`): what the console may show, as prefix…last4."""
    prefix = raw[: len("kw_user_") + 8]
    return prefix, raw[-4:]
