"""Another tenant's keys: every page that takes a key id answers 404 and changes nothing;
lists show only what the viewer may see."""

from __future__ import annotations

import pytest

from tests.console_keys.conftest import snapshot

ID_PAGES = [
    ("get", "revoke"),
    ("post", "revoke"),
    ("get", "regenerate"),
    ("post", "regenerate"),
    ("get", "created"),
    ("post", "created"),
]


@pytest.mark.parametrize(("method", "page"), ID_PAGES)
@pytest.mark.parametrize("which", ["owner", "member", "team"])
def test_outsider_gets_404_for_every_key_page_and_nothing_changes(
    keys, outsider, client_for, method, page, which
):
    client = client_for(outsider)
    before = snapshot()
    url = f"/console/api-keys/{keys[which].public_id}/{page}"
    response = getattr(client, method)(url, {"grace": "3600", "nonce": "x"})
    assert response.status_code == 404
    assert snapshot() == before


def test_an_unknown_key_id_is_the_same_404(keys, owner, client_for):
    response = client_for(owner).get("/console/api-keys/key_doesnotexist/revoke")
    assert response.status_code == 404


def test_list_never_shows_another_tenants_keys(keys, owner, outsider, client_for):
    mine = client_for(owner).get("/console/api-keys").content.decode()
    theirs = client_for(outsider).get("/console/api-keys").content.decode()
    for name in ("Owner laptop", "Admin laptop", "Member laptop", "CI deploy"):
        assert name in mine
        assert name not in theirs
    assert "Globex laptop" in theirs and "Globex CI" in theirs
    assert "Globex" not in mine


def test_member_sees_only_their_own_user_keys(keys, member, client_for):
    page = client_for(member).get("/console/api-keys").content.decode()
    assert "Member laptop" in page
    for hidden in ("Owner laptop", "Admin laptop", "CI deploy", keys["team"].masked):
        assert hidden not in page


@pytest.mark.parametrize("viewer", ["owner", "admin"])
def test_admins_see_every_key_of_the_tenant(keys, request, client_for, viewer):
    page = client_for(request.getfixturevalue(viewer)).get("/console/api-keys").content.decode()
    for which in ("owner", "admin", "member", "team"):
        assert keys[which].masked in page
    assert keys["outsider"].masked not in page
