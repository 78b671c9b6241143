"""manage.py demo and create_tenant."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Tenant, User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def state() -> list:
    return [
        sorted(Tenant.objects.values_list("slug", "name", "time_zone")),
        sorted(User.objects.values_list("email", flat=True)),
        sorted(Membership.objects.values_list("user__email", "tenant__slug", "role")),
    ]


def test_demo_prints_the_users_and_their_passwords(demo):
    output = demo
    for email in ("owner@acme.test", "member@acme.test", "owner@globex.test"):
        assert email in output
    assert "keyward-demo" in output
    assert User.objects.get(email="owner@acme.test").check_password("keyward-demo")
    assert Membership.objects.get(user__email="member@acme.test").role == Role.MEMBER


def test_demo_is_idempotent(demo):
    first = state()
    Membership.objects.filter(user__email="member@acme.test").update(role=Role.ADMIN)
    run("demo")
    assert state() == first


def test_create_tenant_makes_the_user_its_owner(owner):
    output = run(
        "create_tenant", "Umbrella", "--owner", "OWNER@acme.test", "--time-zone", "Europe/London"
    )
    tenant = Tenant.objects.get(name="Umbrella")
    assert tenant.time_zone == "Europe/London" and "umbrella" in output
    assert Membership.objects.get(tenant=tenant).user == owner


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["X", "--owner", "nobody@acme.test"], "No user"),
        (["X", "--owner", "owner@acme.test", "--time-zone", "Nowhere/City"], "IANA"),
        (["   ", "--owner", "owner@acme.test"], "needs a name"),
    ],
)
def test_create_tenant_errors_are_clear(owner, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_tenant", *args)
