"""Markup in a key's name or description is shown as text everywhere the key appears."""

from __future__ import annotations

import pytest

from apikeys.models import ApiKey
from tests.console_keys.conftest import create_via_console, user_key

NAME = "<script>alert(1)</script>"
DESCRIPTION = '<img src=x onerror="alert(2)">'


@pytest.fixture
def hostile_key(tenant, owner) -> ApiKey:
    return user_key(tenant, owner, NAME, description=DESCRIPTION)


def assert_escaped(html: str) -> None:
    assert NAME not in html and DESCRIPTION not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("page", ["", "/{id}/revoke", "/{id}/regenerate", "/{id}/created"])
def test_console_pages_escape_key_names(hostile_key, owner, client_for, page):
    url = "/console/api-keys" + page.format(id=hostile_key.public_id)
    html = client_for(owner).get(url).content.decode()
    assert_escaped(html)
    if not page:
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_show_once_page_escapes_the_name(owner, client_for):
    html = create_via_console(client_for(owner), name=NAME).content.decode()
    assert ApiKey.objects.get().name == NAME
    assert_escaped(html)


def test_admin_escapes_key_names(hostile_key, admin_client):
    for url in ("/admin/apikeys/apikey/", f"/admin/apikeys/apikey/{hostile_key.pk}/change/"):
        assert_escaped(admin_client.get(url).content.decode())
