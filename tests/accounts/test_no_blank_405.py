"""Every console address answers a GET with a page or a redirect: a reloaded form action or a
bookmarked POST-only address never shows the browser's blank 405."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import mint

pytestmark = pytest.mark.django_db

# Machine endpoints (JSON for programs, not pages): a 405 there is the right answer.
NOT_PAGES = ("api/", "admin/", "oauth/", "healthz", "readyz")


def routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def addresses(values: dict[str, str]) -> list[str]:
    found = []
    for route in sorted(set(routes(get_resolver()))):
        if route.startswith(NOT_PAGES) or route.startswith("^"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(str(m.group(1)), "x"), route)
        found.append("/" + path)
    return found


def test_no_console_address_answers_a_get_with_405(client_for, owner, member, tenant):
    key, _ = mint(tenant, owner)
    values = {"pk": str(member.memberships.get(tenant=tenant).pk), "public_id": key.public_id}
    client = client_for(owner)
    answers = {path: client.get(path).status_code for path in addresses(values)}
    assert len(answers) > 40
    assert {path: code for path, code in answers.items() if code == 405 or code >= 500} == {}
