"""Bad input to the API's bodies, ids and query strings: every case a named test.

Malformed and deeply nested JSON, wrong content types, oversized bodies, ids that are not
ids, wrong types and hostile strings in fields, broken query parameters. Each gets a clear
4xx with the JSON error body, nothing is written, and the answer is JSON (so markup in it is
never rendered). Keys come from tests/api/conftest.py's fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import ApiClient, mint
from tests.corpus.corpus import Corpus, written
from usage import executions
from usage.flows import create_flow

JSON = "application/json"


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # may name {key}, {flow}, {run}
    body: str | None = None
    content_type: str = JSON
    expect: tuple[int, ...] = (400,)


BODIES = Corpus[Case]()
add = BODIES.add


# --- bodies that are not JSON, or not an object ------------------------------------------
UNREADABLE = {
    "open-brace": "{",
    "open-bracket": "[",
    "missing-value": '{"name": }',
    "trailing-comma": '{"name": "a",}',
    "single-quotes": "{'name': 'a'}",
    "bare-word": "nul",
    "nan": '{"name": NaN}',
    "infinity": '{"name": Infinity}',
    "bom": '\ufeff{"name": "bom"}',
    "nested-100k-arrays": "[" * 100_000 + "]" * 100_000,
    "nested-20k-objects": '{"a":' * 20_000 + "1" + "}" * 20_000,
    "comment": '{"name": "a"} // comment',
    "two-documents": '{"name": "a"}{"name": "b"}',
}
NOT_AN_OBJECT = {"null": "null", "array": "[]", "number": "123", "string": '"name"'}
for path_name, method, path in [
    ("create-key", "post", "/api/v1/keys"),
    ("create-flow", "post", "/api/v1/flows"),
    ("patch-run", "patch", "/api/v1/executions/{run}"),
    ("leak-report", "post", "/api/v1/keys/leaked"),
    ("regenerate", "post", "/api/v1/keys/{key}/regenerate"),
]:
    for body_name, body in {**UNREADABLE, **NOT_AN_OBJECT}.items():
        add(f"{path_name}-{body_name}", Case(method, path, body))

# --- content types ------------------------------------------------------------------------
for type_name, content_type in {
    "text-plain": "text/plain",
    "form-urlencoded": "application/x-www-form-urlencoded",
    "multipart": "multipart/form-data; boundary=x",
    "xml": "application/xml",
    "html": "text/html",
    "garbage": "no/such; type",
}.items():
    add(
        f"create-key-as-{type_name}",
        Case("post", "/api/v1/keys", '{"name": "a"}', content_type, (415,)),
    )
    add(
        f"patch-run-as-{type_name}",
        Case("patch", "/api/v1/executions/{run}", '{"status": "paused"}', content_type, (415,)),
    )

# --- oversized ------------------------------------------------------------------------------
add(
    "create-key-300k-body",
    Case("post", "/api/v1/keys", '{"name": "' + "a" * 300_000 + '"}', expect=(413,)),
)
add(
    "leak-report-300k-body",
    Case("post", "/api/v1/keys/leaked", '{"keys": ["' + "k" * 300_000 + '"]}', expect=(413,)),
)
add("create-flow-long-name", Case("post", "/api/v1/flows", '{"name": "' + "x" * 5000 + '"}'))
add(
    "leak-report-1000-keys",
    Case("post", "/api/v1/keys/leaked", '{"keys": [' + ",".join(['"kw"'] * 1000) + "]}"),
)

# --- wrong types and hostile strings in fields ------------------------------------------------
FIELD_CASES = {
    "key-name-number": ("post", "/api/v1/keys", '{"name": 123}'),
    "key-name-null": ("post", "/api/v1/keys", '{"name": null}'),
    "key-name-list": ("post", "/api/v1/keys", '{"name": ["a"]}'),
    "key-name-object": ("post", "/api/v1/keys", '{"name": {"a": 1}}'),
    "key-name-empty": ("post", "/api/v1/keys", '{"name": ""}'),
    "key-name-spaces": ("post", "/api/v1/keys", '{"name": "   "}'),
    "key-name-nul": ("post", "/api/v1/keys", '{"name": "a\\u0000b"}'),
    "key-name-lone-surrogate": ("post", "/api/v1/keys", '{"name": "a\\ud800b"}'),
    "key-description-lone-surrogate": (
        "post",
        "/api/v1/keys",
        '{"name": "a", "description": "\\udfff"}',
    ),
    "key-name-missing": ("post", "/api/v1/keys", "{}"),
    "key-kind-unknown": ("post", "/api/v1/keys", '{"name": "a", "kind": "root"}'),
    "key-kind-number": ("post", "/api/v1/keys", '{"name": "a", "kind": 1}'),
    "key-scopes-string": ("post", "/api/v1/keys", '{"name": "a", "scopes": "keys:read"}'),
    "key-scopes-numbers": ("post", "/api/v1/keys", '{"name": "a", "scopes": [1, 2]}'),
    "key-scopes-unknown": ("post", "/api/v1/keys", '{"name": "a", "scopes": ["admin:all"]}'),
    "key-scopes-nested": ("post", "/api/v1/keys", '{"name": "a", "scopes": [["keys:read"]]}'),
    "key-expiry-word": ("post", "/api/v1/keys", '{"name": "a", "expires_at": "tomorrow"}'),
    "key-expiry-number": ("post", "/api/v1/keys", '{"name": "a", "expires_at": 12345}'),
    "key-expiry-past": (
        "post",
        "/api/v1/keys",
        '{"name": "a", "expires_at": "2001-01-01T00:00:00Z"}',
    ),
    "key-expiry-year-99999": ("post", "/api/v1/keys", '{"name": "a", "expires_at": "99999-01-01"}'),
    "key-expiry-huge-float": ("post", "/api/v1/keys", '{"name": "a", "expires_at": 1e999}'),
    "key-tenant-field": ("post", "/api/v1/keys", '{"name": "a", "tenant": "globex", "scopes": 5}'),
    "key-description-long": (
        "post",
        "/api/v1/keys",
        '{"name": "a", "description": "' + "d" * 5000 + '"}',
    ),
    "grace-string": ("post", "/api/v1/keys/{key}/regenerate", '{"grace_seconds": "1h"}'),
    "grace-negative": ("post", "/api/v1/keys/{key}/regenerate", '{"grace_seconds": -1}'),
    "grace-too-short": ("post", "/api/v1/keys/{key}/regenerate", '{"grace_seconds": 60}'),
    "grace-too-long": ("post", "/api/v1/keys/{key}/regenerate", '{"grace_seconds": 604801}'),
    "grace-huge": (
        "post",
        "/api/v1/keys/{key}/regenerate",
        '{"grace_seconds": 1000000000000000000000000000000}',
    ),
    "grace-float": ("post", "/api/v1/keys/{key}/regenerate", '{"grace_seconds": 3600.5}'),
    "flow-name-missing": ("post", "/api/v1/flows", "{}"),
    "flow-name-nul": ("post", "/api/v1/flows", '{"name": "a\\u0000b"}'),
    "flow-name-lone-surrogate": ("post", "/api/v1/flows", '{"name": "\\ud800"}'),
    "leak-reporter-lone-surrogate": (
        "post",
        "/api/v1/keys/leaked",
        '{"keys": ["kw"], "reporter": "\\ud800"}',
    ),
    "flow-slug-unicode": ("post", "/api/v1/flows", '{"name": "ok", "slug": "\\u00e9t\\u00e9"}'),
    "flow-slug-markup": ("post", "/api/v1/flows", '{"name": "ok", "slug": "<b>x</b>"}'),
    "flow-slug-taken": ("post", "/api/v1/flows", '{"name": "Other", "slug": "f"}'),
    "run-status-unknown": ("patch", "/api/v1/executions/{run}", '{"status": "exploded"}'),
    "run-status-upper": ("patch", "/api/v1/executions/{run}", '{"status": "SUCCEEDED"}'),
    "run-status-number": ("patch", "/api/v1/executions/{run}", '{"status": 1}'),
    "run-status-null": ("patch", "/api/v1/executions/{run}", '{"status": null}'),
    "run-status-missing": ("patch", "/api/v1/executions/{run}", "{}"),
    "run-ended-at-garbage": (
        "patch",
        "/api/v1/executions/{run}",
        '{"status": "succeeded", "ended_at": "9999-99-99"}',
    ),
    "run-ended-at-future": (
        "patch",
        "/api/v1/executions/{run}",
        '{"status": "succeeded", "ended_at": "2999-01-01T00:00:00Z"}',
    ),
    "run-ended-at-before-start": (
        "patch",
        "/api/v1/executions/{run}",
        '{"status": "succeeded", "ended_at": "2001-01-01T00:00:00Z"}',
    ),
    "run-ended-at-without-end": (
        "patch",
        "/api/v1/executions/{run}",
        '{"status": "paused", "ended_at": "2001-01-01T00:00:00Z"}',
    ),
    "leak-keys-string": ("post", "/api/v1/keys/leaked", '{"keys": "kw_user_x"}'),
    "leak-keys-numbers": ("post", "/api/v1/keys/leaked", '{"keys": [1]}'),
    "leak-keys-empty": ("post", "/api/v1/keys/leaked", '{"keys": []}'),
    "leak-keys-nul": ("post", "/api/v1/keys/leaked", '{"keys": ["kw\\u0000"]}'),
    "leak-reporter-object": ("post", "/api/v1/keys/leaked", '{"keys": ["kw"], "reporter": {}}'),
}
for case_name, (method, path, body) in FIELD_CASES.items():
    add(case_name, Case(method, path, body))
# Well formed, but the run's status refuses it: a conflict, not bad input.
add(
    "run-status-same",
    Case("patch", "/api/v1/executions/{run}", '{"status": "running"}', expect=(409,)),
)

# --- ids that are not ids, and broken query strings ---------------------------------------------
NOT_IDS = {
    "digits": "123",
    "sql": "1'%20OR%20'1'='1",
    "markup": "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "nul": "%00",
    "dots": "..",
    "unicode": "%E2%98%83",
    "very-long": "k" * 4000,
    "other-prefix": "flow_0000",
}
for id_name, bad in NOT_IDS.items():
    # A NUL byte is refused at the door (400); any other non-id is not found (404).
    status = (400,) if bad == "%00" else (404,)
    add(f"get-key-{id_name}", Case("get", f"/api/v1/keys/{bad}", expect=status))
    add(f"delete-key-{id_name}", Case("delete", f"/api/v1/keys/{bad}", expect=status))
    add(f"get-flow-{id_name}", Case("get", f"/api/v1/flows/{bad}", expect=status))
    add(f"invoke-flow-{id_name}", Case("post", f"/api/v1/flows/{bad}/invoke", "{}", expect=status))
    add(
        f"patch-run-{id_name}",
        Case("patch", f"/api/v1/executions/{bad}", '{"status": "paused"}', expect=status),
    )

QUERIES = {
    "usage-days-zero": "/api/v1/usage?days=0",
    "usage-days-negative": "/api/v1/usage?days=-1",
    "usage-days-word": "/api/v1/usage?days=abc",
    "usage-days-huge": "/api/v1/usage?days=100000000000000000000",
    "usage-days-91": "/api/v1/usage?days=91",
    "usage-days-nul": "/api/v1/usage?days=%00",
    "usage-days-float": "/api/v1/usage?days=1.5",
    "executions-status-unknown": "/api/v1/executions?status=exploded",
    "executions-since-word": "/api/v1/executions?since=yesterday",
    "executions-since-nul": "/api/v1/executions?since=%00",
    "executions-since-year-99999": "/api/v1/executions?since=99999-01-01",
}
for query_name, path in QUERIES.items():
    add(query_name, Case("get", path))
for query_name, path in {
    "usage-foreign-style-flow": "/api/v1/usage?flow=flow_doesnotexist",
    "usage-flow-nul": "/api/v1/usage?flow=flow_%00",
    "usage-key-nul": "/api/v1/usage?key=%00",
    "executions-key-nul": "/api/v1/executions?key=key_%00",
    "usage-key-not-an-id": "/api/v1/usage?key=%3Cscript%3E",
    "executions-flow-not-an-id": "/api/v1/executions?flow=' OR 1=1",
}.items():
    add(query_name, Case("get", path, expect=(400, 404)))


@pytest.fixture
def world(tenant: Any, owner: Any) -> dict[str, str]:
    key, raw = mint(tenant, owner, name="corpus key")
    flow = create_flow(tenant, "F", slug="f")
    run = executions.start(flow)
    ApiClient(raw).get("/api/v1/whoami")  # its last use is now fresh: no case writes it again
    return {"raw": raw, "key": key.public_id, "flow": flow.public_id, "run": run.public_id}


@pytest.mark.parametrize("case", BODIES.params())
def test_bad_api_input_is_a_clear_json_4xx_that_writes_nothing(
    case: Case, world: dict[str, str]
) -> None:
    client = ApiClient(world["raw"], raise_request_exception=False)
    path = case.path.format(**world)
    before = written()
    call = getattr(client, case.method)
    response = call(path) if case.body is None else call(path, case.body, case.content_type)
    assert response.status_code in case.expect, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(JSON)
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert written() == before


def test_the_api_body_corpus_is_large_enough() -> None:
    assert len(BODIES) >= 200


@pytest.mark.parametrize(
    "path",
    [
        "/console/api-keys/key_%00/revoke",
        "/console/api-keys/%00/created",
        "/console/usage?flow=%00",
        "/console/usage?key=key_%00",
        "/invitations/%00",
    ],
)
def test_a_nul_byte_in_a_console_url_is_a_400(path: str, world: dict[str, str], owner: Any) -> None:
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(owner)
    assert client.get(path).status_code == 400
