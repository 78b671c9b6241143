"""GitHub's secret-scanning partner endpoint, with a P-256 key pair made here."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from accounts import policies
from accounts.models import AuditAction, AuditEvent, LeakPolicy
from accounts.roles import Role
from apikeys import crypto
from apikeys.models import ApiKey, Kind
from core.acting import Actor
from tests.api.conftest import mint

URL = "/api/v1/secret-scanning/github"


@pytest.fixture
def github(tmp_path, settings):
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "github-keys.json"
    document = {
        "public_keys": [{"key_identifier": "kid-1", "key": pem.decode(), "is_current": True}]
    }
    path.write_text(json.dumps(document))
    settings.SECRET_SCANNING_GITHUB_KEYS = str(path)
    return private


def sign(private, body: bytes) -> str:
    return base64.b64encode(private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def post(client, body: bytes, identifier: str = "kid-1", signature: str | None = None, key=None):
    headers = {"HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER": identifier}
    if signature is not None or key is not None:
        headers["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = signature or sign(key, body)
    return client.post(URL, body, content_type="application/json", **headers)


def report(*tokens: str) -> bytes:
    items = [
        {
            "token": t,
            "type": "keyward_api_key",
            "url": "https://github.com/o/r/blob/x",
            "source": "content",
        }
        for t in tokens
    ]
    return json.dumps(items).encode()


def test_signed_report_revokes_our_key_and_labels_others(client, github, tenant, owner, mailoutbox):
    key, raw = mint(tenant, owner)
    stranger = crypto.generate(Kind.USER)  # well-formed, but nobody's
    body = report(raw, stranger, "ghp_notours")
    response = post(client, body, key=github)
    assert response.status_code == 200
    labels = {item["token_hash"]: item for item in response.json()}
    assert labels[hashlib.sha256(raw.encode()).hexdigest()]["label"] == "true_positive"
    assert labels[hashlib.sha256(stranger.encode()).hexdigest()]["label"] == "false_positive"
    assert {item["token_type"] for item in response.json()} == {"keyward_api_key"}
    key.refresh_from_db()
    assert key.revoked_at is not None and "GitHub" in key.revoked_by
    event = AuditEvent.objects.get(action=AuditAction.KEY_LEAKED)
    assert event.details["url"] == "https://github.com/o/r/blob/x"
    assert event.details["source"] == "content"
    assert owner.email in mailoutbox[0].to and "revoked" in mailoutbox[0].subject
    assert raw not in mailoutbox[0].body


def test_notify_policy_leaves_the_key_working(client, github, tenant, owner, mailoutbox):
    policies.update(Actor(user=owner, label="o"), Role.OWNER, tenant, leak_policy=LeakPolicy.NOTIFY)
    key, raw = mint(tenant, owner)
    response = post(client, report(raw), key=github)
    assert response.json()[0]["label"] == "true_positive"
    key.refresh_from_db()
    assert key.revoked_at is None
    assert "still works" in mailoutbox[0].body


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("missing", id="no-signature"),
        pytest.param("tampered", id="tampered-body"),
        pytest.param("unknown-id", id="unknown-key-identifier"),
        pytest.param("garbage", id="not-base64"),
        pytest.param("other-key", id="signed-by-someone-else"),
    ],
)
def test_bad_signature_is_401_and_changes_nothing(client, github, tenant, owner, case):
    key, raw = mint(tenant, owner)
    body = report(raw)
    if case == "missing":
        response = post(client, body)
    elif case == "tampered":
        response = post(client, body.replace(b"content", b"commit!"), signature=sign(github, body))
    elif case == "unknown-id":
        response = post(client, body, identifier="kid-2", key=github)
    elif case == "garbage":
        response = post(client, body, signature="%%%not base64")
    else:
        response = post(client, body, key=ec.generate_private_key(ec.SECP256R1()))
    assert response.status_code == 401
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_LEAKED).exists()


def test_a_large_batch_is_answered_in_few_queries(client, github, tenant, owner, sql_queries):
    tokens = [crypto.generate(Kind.USER) for _ in range(2000)]
    body = report(*tokens)
    with sql_queries() as queries:
        response = post(client, body, key=github)
    assert response.status_code == 200 and len(response.json()) == 2000
    assert len(queries) <= 10
