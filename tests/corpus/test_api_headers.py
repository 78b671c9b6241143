"""The API's bad-header corpus: oversized, non-ASCII, NUL-bearing, repeated and otherwise
mangled credentials. Each gets a 401 (or a 400 when two different keys arrive) with the
§4 JSON error body, writes nothing, and echoes none of what was sent.

tests/api/test_authentication.py covers the basic shapes (wrong checksum, truncated,
upper-cased, padded, digest, other prefix, missing header, Basic, query string, two keys);
this corpus adds the hostile transport-level variants, against two endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant, User
from apikeys import crypto
from apikeys.models import Kind, create_key
from tests.corpus.corpus import Corpus, written

ENDPOINTS = ["/api/v1/whoami", "/api/v1/keys"]

Headers = Callable[[str, str], dict[str, str]]


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def x_api_key(value: str) -> dict[str, str]:
    return {"HTTP_X_API_KEY": value}


def with_checksum(head: str) -> str:
    return head + crypto.checksum(head) if head.isascii() else head + "00000000"


@dataclass(frozen=True)
class Variant:
    """Headers made from (a valid raw key, another valid raw key), and the answer they get."""

    headers: Headers
    status: int
    code: str


VARIANTS = Corpus[Variant]()


def variant(name: str, headers: Headers, status: int = 401, code: str = "malformed_key") -> None:
    VARIANTS.add(name, Variant(headers, status, code))


# Oversized values, in both headers.
def oversized(header: Callable[[str], dict[str, str]], size: int) -> Headers:
    return lambda raw, other: header("k" * size)


for size in [1_000, 8_192, 65_536, 1_048_576]:
    variant(f"bearer-{size}-bytes", oversized(bearer, size))
    variant(f"x-api-key-{size}-bytes", oversized(x_api_key, size))
variant("bearer-key-repeated-100-times", lambda raw, other: bearer(raw * 100))
variant(
    "authorization-8k-scheme",
    lambda raw, other: {"HTTP_AUTHORIZATION": "B" * 8192 + " x"},
    code="missing_key",
)

# NUL, control characters and line breaks.
variant("nul-inside-key", lambda raw, other: bearer(raw[:20] + "\x00" + raw[21:]))
variant("nul-after-key", lambda raw, other: bearer(raw + "\x00"))
variant("nul-before-key", lambda raw, other: bearer("\x00" + raw))
variant("nul-only", lambda raw, other: bearer("\x00"))
variant("nul-in-x-api-key", lambda raw, other: x_api_key(raw + "\x00"))
variant("crlf-header-injection", lambda raw, other: bearer(raw + "\r\nX-Admin: 1"))
variant("tab-inside-key", lambda raw, other: bearer(raw[:10] + "\t" + raw[10:]))
variant("bell-and-escape", lambda raw, other: bearer("\x07\x1b[31m" + raw))
variant("delete-char", lambda raw, other: bearer(raw[:-1] + "\x7f"))
variant("vertical-tab-after", lambda raw, other: bearer(raw + "\x0b"))

# Non-ASCII: what a WSGI server hands over as latin-1, and beyond.
variant("latin1-e-acute", lambda raw, other: bearer(raw[:30] + "é" + raw[31:]))
variant(
    "cyrillic-lookalike-prefix",
    lambda raw, other: bearer(raw.replace("e", "\N{CYRILLIC SMALL LETTER IE}", 1)),
)
variant(
    "fullwidth-digits",
    lambda raw, other: bearer(raw[:-8] + "".join(chr(0xFF10 + d) for d in range(8))),
)
variant("zero-width-space", lambda raw, other: bearer(raw[:12] + "\u200b" + raw[12:]))
variant("rtl-override", lambda raw, other: bearer("\u202e" + raw))
variant("emoji-key", lambda raw, other: bearer("🔑" * 20))
variant("non-ascii-valid-checksum", lambda raw, other: bearer(with_checksum("kw_user_" + "ä" * 64)))
variant("non-ascii-x-api-key", lambda raw, other: x_api_key("clé-secrète"))
variant("bom-before-key", lambda raw, other: bearer("\ufeff" + raw))

# Repeated headers, as a WSGI server joins them, and other ways of sending two keys.
variant("repeated-authorization-joined", lambda raw, other: bearer(f"{raw}, Bearer {other}"))
variant("repeated-same-key-joined", lambda raw, other: bearer(f"{raw}, Bearer {raw}"))
variant("repeated-x-api-key-joined", lambda raw, other: x_api_key(f"{raw},{other}"))
variant("repeated-x-api-key-same", lambda raw, other: x_api_key(f"{raw}, {raw}"))
variant("two-keys-space-separated", lambda raw, other: bearer(f"{raw} {other}"))
variant(
    "two-different-keys-both-headers",
    lambda raw, other: {**bearer(raw), **x_api_key(other)},
    400,
    "invalid_request",
)
variant(
    "valid-bearer-malformed-x-api-key",
    lambda raw, other: {**bearer(raw), **x_api_key(raw + "x")},
    400,
    "invalid_request",
)
variant(
    "malformed-bearer-valid-x-api-key",
    lambda raw, other: {**bearer(raw[:-1]), **x_api_key(raw)},
    400,
    "invalid_request",
)
variant(
    "valid-bearer-empty-x-api-key",
    lambda raw, other: {**bearer(raw), **x_api_key("")},
    400,
    "invalid_request",
)

# Scheme and framing mistakes.
variant("double-space-after-bearer", lambda raw, other: {"HTTP_AUTHORIZATION": f"Bearer  {raw}"})
variant(
    "tab-after-bearer",
    lambda raw, other: {"HTTP_AUTHORIZATION": f"Bearer\t{raw}"},
    code="missing_key",
)
variant(
    "colon-after-bearer",
    lambda raw, other: {"HTTP_AUTHORIZATION": f"Bearer:{raw}"},
    code="missing_key",
)
variant(
    "token-scheme", lambda raw, other: {"HTTP_AUTHORIZATION": f"Token {raw}"}, code="missing_key"
)
variant(
    "api-key-scheme", lambda raw, other: {"HTTP_AUTHORIZATION": f"ApiKey {raw}"}, code="missing_key"
)
variant("no-scheme", lambda raw, other: {"HTTP_AUTHORIZATION": raw}, code="missing_key")
variant("bearer-twice", lambda raw, other: bearer(f"Bearer {raw}"))
variant("double-quoted", lambda raw, other: bearer(f'"{raw}"'))
variant("single-quoted", lambda raw, other: bearer(f"'{raw}'"))
variant("angle-brackets", lambda raw, other: bearer(f"<{raw}>"))
variant("url-encoded-underscores", lambda raw, other: bearer(raw.replace("_", "%5F")))
variant("base64-padding", lambda raw, other: bearer(raw + "=="))
variant("prefix-only", lambda raw, other: bearer("kw_user_"))
variant("team-prefix-on-user-body", lambda raw, other: bearer(raw.replace("kw_user_", "kw_team_")))
variant("key-with-query-suffix", lambda raw, other: bearer(raw + "?admin=1"))
variant("key-with-path-suffix", lambda raw, other: bearer(raw + "/../../"))

# Markup, SQL and format strings: refused and never echoed.
variant("script-in-bearer", lambda raw, other: bearer("<script>alert(1)</script>"))
variant("attribute-break-in-x-api-key", lambda raw, other: x_api_key('"><img src=x onerror=1>'))
variant("sql-in-bearer", lambda raw, other: bearer("' OR 1=1 --"))
variant("sql-with-valid-shape", lambda raw, other: bearer(with_checksum("kw_user_' OR '1'='1")))
variant("format-string", lambda raw, other: bearer("%s%s%s%n{0}{key}"))
variant("json-in-header", lambda raw, other: bearer('{"key": "' + raw + '"}'))

# Well-formed but unknown keys (valid checksum, never minted here).
variant("unknown-user-key", lambda raw, other: bearer(crypto.generate("user")), code="invalid_key")
variant(
    "unknown-team-key-x-api-key",
    lambda raw, other: x_api_key(crypto.generate("team")),
    code="invalid_key",
)
variant(
    "all-zero-body",
    lambda raw, other: bearer(with_checksum("kw_user_" + "0" * 64)),
    code="invalid_key",
)


@pytest.fixture
def keys(tenant: Tenant, owner: User) -> tuple[str, str]:
    _, raw = create_key(tenant=tenant, kind=Kind.USER, name="Real", user=owner)
    _, other = create_key(tenant=tenant, kind=Kind.TEAM, name="Other")
    return raw, other


def sent_values(headers: dict[str, str]) -> list[str]:
    return [value for value in headers.values() if len(value) > 4]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("case", VARIANTS.params())
def test_mangled_credentials_are_refused_with_a_json_error(
    case: Variant, endpoint: str, keys: tuple[str, str]
) -> None:
    headers, status, code = case.headers(*keys), case.status, case.code
    before = written()
    with CaptureQueriesContext(connection) as captured:
        extra: dict[str, Any] = dict(headers)
        response = Client().get(endpoint, **extra)

    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
    if status == 401:
        assert response["WWW-Authenticate"] == "Bearer"
    body = response.content.decode()
    for value in sent_values(headers):
        assert value not in body, "the response echoes what was sent"
    for raw in keys:
        assert raw not in body
    assert written() == before
    if code in ("malformed_key", "missing_key", "invalid_request"):
        lookups = [q for q in captured.captured_queries if "apikeys_apikey" in q["sql"]]
        assert lookups == [], "a malformed key must be refused before any lookup"


def test_the_api_header_corpus_is_large_enough() -> None:
    assert len(VARIANTS) * len(ENDPOINTS) >= 80
