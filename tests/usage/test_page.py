"""The usage page: cards, 30 bars with titles, the table, filters, and isolation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Tenant, User
from apikeys.models import ApiKey, Kind, create_key
from usage import executions
from usage.flows import create_flow
from usage.models import Flow, Status

ClientFor = Callable[[User], Client]

pytestmark = pytest.mark.usefixtures("midday")


def runs(
    flow: Flow, key: ApiKey | None = None, ok: int = 0, failed: int = 0, live: int = 0
) -> None:
    started = timezone.now() - timedelta(minutes=30)
    for status in [Status.SUCCEEDED] * ok + [Status.FAILED] * failed + [None] * live:
        execution = executions.start(flow, key, started_at=started)
        if status:
            executions.change_status(execution, status, ended_at=started + timedelta(seconds=3))


def card(html: str, name: str) -> str:
    match = re.search(rf'data-card="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def test_page_shows_cards_30_bars_titles_and_table(
    client_for: ClientFor, owner: User, flow: Flow
) -> None:
    runs(flow, ok=3, failed=1, live=2)
    response = client_for(owner).get("/console/usage")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Activity only — not a bill." in html
    assert html.count('class="usage-bar') == 30
    svg = html.split('<svg class="usage-chart"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<title>") == 30
    assert card(html, "executions") == "6"
    assert card(html, "success-rate") == "75.0%"
    assert card(html, "avg-duration") == "3.0 s"
    today = html.split('usage-today"', 1)[1].split("</g>", 1)[0]
    assert "6 executions — 3 succeeded, 1 failed, 2 in flight" in today
    assert (
        'class="seg-ok"' in today and 'class="seg-fail"' in today and 'class="seg-flight"' in today
    )
    cells = "".join(f'<td class="num">{n}</td>' for n in [6, 3, 1, 2])
    assert cells + '<td class="num col-optional">4</td>' in html  # today's table row


def test_page_numbers_match_the_api(
    client_for: ClientFor, owner: User, tenant: Tenant, flow: Flow
) -> None:
    from tests.api.conftest import ApiClient, mint

    runs(flow, ok=5, failed=2, live=1)
    html = client_for(owner).get("/console/usage").content.decode()
    _key, raw = mint(tenant, owner)
    data = ApiClient(raw).get("/api/v1/usage").json()
    assert card(html, "executions") == str(data["cards"]["executions"])
    assert card(html, "success-rate") == data["cards"]["success_rate_display"]
    assert card(html, "avg-duration") == data["cards"]["avg_duration_display"]


def test_an_empty_tenant_is_shown_how_to_start_instead_of_an_empty_chart(
    client_for: ClientFor, owner: User
) -> None:
    html = client_for(owner).get("/console/usage").content.decode()
    assert "No executions yet: here is how to start" in html
    assert 'href="/console/api-keys"' in html
    assert "http://testserver/api/v1/flows" in html  # create a flow, then invoke it
    assert "/invoke" in html
    assert "usage-bar" not in html and "Daily numbers" not in html


def test_an_empty_tenant_with_a_flow_is_shown_the_curl_that_invokes_it(
    client_for: ClientFor, owner: User, flow: Flow
) -> None:
    html = client_for(owner).get("/console/usage").content.decode()
    assert f"http://testserver/api/v1/flows/{flow.public_id}/invoke" in html


def test_a_filter_that_matches_nothing_still_shows_zeros_and_dashes(
    client_for: ClientFor, owner: User, flow: Flow
) -> None:
    runs(flow, ok=1)
    other = create_flow(flow.tenant, "Quiet flow")
    html = client_for(owner).get(f"/console/usage?flow={other.public_id}").content.decode()
    assert card(html, "executions") == "0"
    assert card(html, "success-rate") == "—"
    assert card(html, "avg-duration") == "—"
    assert html.count('class="usage-bar') == 30


def test_filters_narrow_the_numbers(
    client_for: ClientFor, owner: User, tenant: Tenant, flow: Flow
) -> None:
    key, _ = create_key(tenant=tenant, kind=Kind.TEAM, name="ci")
    other = create_flow(tenant, "Nightly export")
    runs(flow, key, ok=2)
    runs(flow, ok=1)
    runs(other, ok=4)
    client = client_for(owner)
    html = lambda query: client.get(f"/console/usage?{query}").content.decode()  # noqa: E731
    assert card(html(f"flow={flow.public_id}"), "executions") == "3"
    assert card(html(f"key={key.public_id}"), "executions") == "2"
    assert card(html(f"flow={other.public_id}&key={key.public_id}"), "executions") == "0"
    page = html(f"flow={other.public_id}")
    assert f'<option value="{other.public_id}" selected>' in page
    assert "Nightly export" in page and "Clear" in page


def test_foreign_or_unknown_filter_ids_are_404(
    client_for: ClientFor, owner: User, other_tenant: Tenant, other_flow: Flow
) -> None:
    foreign_key, _ = create_key(tenant=other_tenant, kind=Kind.TEAM, name="theirs")
    client = client_for(owner)
    for query in [
        f"key={foreign_key.public_id}",
        f"flow={other_flow.public_id}",
        "key=key_nope",
        "flow=flow_nope",
    ]:
        assert client.get(f"/console/usage?{query}").status_code == 404, query


def test_members_filter_by_their_own_keys_only(
    client_for: ClientFor, owner: User, member: User, tenant: Tenant, flow: Flow
) -> None:
    mine, _ = create_key(tenant=tenant, kind=Kind.USER, user=member, name="member's")
    theirs, _ = create_key(tenant=tenant, kind=Kind.USER, user=owner, name="owner's")
    runs(flow, theirs, ok=2)
    client = client_for(member)
    page = client.get("/console/usage").content.decode()
    assert mine.public_id in page and theirs.public_id not in page
    assert card(page, "executions") == "2"  # the tenant's usage is every member's to see
    assert client.get(f"/console/usage?key={theirs.public_id}").status_code == 404
    assert client.get(f"/console/usage?key={mine.public_id}").status_code == 200


def test_another_tenants_page_shows_none_of_these_numbers(
    client_for: ClientFor, owner: User, outsider: User, flow: Flow
) -> None:
    runs(flow, ok=7)
    page = client_for(outsider).get("/console/usage").content.decode()
    assert "No executions yet" in page
    assert flow.public_id not in page and "Invoice sync" not in page


@pytest.mark.parametrize("path", ["/console/usage", "/console/usage?flow=x"])
def test_signed_out_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/signin" in response["Location"]


def test_page_has_no_inline_styles_or_scripts(
    client_for: ClientFor, owner: User, flow: Flow
) -> None:
    runs(flow, ok=1)
    html = client_for(owner).get("/console/usage").content.decode()
    assert " style=" not in html
    assert "<script>" not in html and 'src="/static/js/usage.js"' in html
