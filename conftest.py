"""Shared fixtures: a tenant with an owner, an admin and a member, and an outsider who owns
another tenant. Every page and endpoint is tested against the outsider."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from accounts.roles import Role
from accounts.security import mark_verified

PASSWORD = "correct horse battery staple"


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    where = f"{db.get('HOST') or 'local file'}:{db.get('PORT') or ''}"
    return [f"keyward: database {db['ENGINE'].rsplit('.', 1)[-1]} at {where}; cache {cache}"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    """Queued tasks (e-mail) run as they are queued, so tests read mail.outbox at once;
    tests/faults/test_mail_outage.py runs the real database queue and worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_redis_cache() -> Iterator[None]:
    """Rate-limit counters must not leak between tests. The database cache rolls back with
    each test's transaction; Redis does not, so it is flushed."""
    yield
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def midday() -> Iterator[None]:
    """Today at noon UTC, the clock running: "30 minutes ago" stays on today's bar even
    when the suite runs just after midnight."""
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield


def totp_step_start(after: float) -> float:
    """Five seconds into the first 30-second TOTP step after `after`: a code computed now is
    still the server's code when it checks it (allauth allows no drift by default)."""
    return (after // 30 + 1) * 30 + 5


def make_user(email: str, password: str = PASSWORD, verified: bool = True, **extra: Any) -> User:
    user = User.objects.create_user(email, password, **extra)
    if verified:
        mark_verified(user)
    return user


def make_tenant(name: str, time_zone: str = "UTC") -> Tenant:
    return Tenant.objects.create(name=name, slug=Tenant.unique_slug(name), time_zone=time_zone)


def join(user: User, tenant: Tenant, role: str) -> Membership:
    return Membership.objects.create(user=user, tenant=tenant, role=role)


@pytest.fixture
def tenant(db: None) -> Tenant:
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return make_tenant("Globex")


@pytest.fixture
def owner(tenant: Tenant) -> User:
    user = make_user("owner@acme.test")
    join(user, tenant, Role.OWNER)
    return user


@pytest.fixture
def admin(tenant: Tenant, owner: User) -> User:
    user = make_user("admin@acme.test")
    join(user, tenant, Role.ADMIN)
    return user


@pytest.fixture
def member(tenant: Tenant, owner: User) -> User:
    user = make_user("member@acme.test")
    join(user, tenant, Role.MEMBER)
    return user


@pytest.fixture
def outsider(other_tenant: Tenant) -> User:
    user = make_user("owner@globex.test")
    join(user, other_tenant, Role.OWNER)
    return user


@pytest.fixture
def demo(db: None) -> str:
    """The data of `manage.py demo` in this test's transaction; returns what demo printed.
    The command runs for real once per session (tests/demo_snapshot.py)."""
    from tests.demo_snapshot import session_snapshot

    snapshot = session_snapshot()
    snapshot.restore()
    return snapshot.output


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A console client signed in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def sql_queries() -> Callable[[], Any]:
    """Capture the SQL run inside a block: `with sql_queries() as q: ...; len(q)`."""
    from django.test.utils import CaptureQueriesContext

    return lambda: CaptureQueriesContext(connection)
