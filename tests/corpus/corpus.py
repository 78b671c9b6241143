"""The bad-input corpora's one machinery: a table of named cases, each run as one test whose
id is its name, and one snapshot of everything a refused request must leave as it was.

    BODIES = Corpus[Case]()
    BODIES.add("create-key-open-brace", Case("post", "/api/v1/keys", "{"))

    @pytest.mark.parametrize("case", BODIES.params())
    def test_...(case: Case) -> None: ...
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import pytest
from django.core import mail

from accounts.models import AuditEvent, Invitation, Membership, Tenant, User
from apikeys.models import ApiKey
from usage.models import DailyUsage, Execution, Flow

C = TypeVar("C")


class Corpus(Generic[C]):
    """Named cases, in the order they were added; a name is used once."""

    def __init__(self) -> None:
        self.cases: dict[str, C] = {}

    def add(self, name: str, case: C) -> None:
        assert name not in self.cases, f"two cases named {name!r}"
        self.cases[name] = case

    def params(self) -> list[Any]:
        return [pytest.param(case, id=name) for name, case in self.cases.items()]

    def __len__(self) -> int:
        return len(self.cases)


def written() -> tuple[Any, ...]:
    """Everything a console form or an API call could write (sessions aside), and the mail
    sent: a refused request leaves all of it as it was."""
    return (
        sorted(User.objects.values_list("email", "password", "is_active")),
        sorted(Tenant.objects.values_list("id", "name", "slug", "time_zone", "is_active")),
        sorted(Membership.objects.values_list("user_id", "tenant_id", "role")),
        sorted(Invitation.objects.values_list("email", "role", "accepted_at", "revoked_at")),
        sorted(
            ApiKey.objects.values_list(
                "id", "name", "digest", "revoked_at", "expires_at", "last_used_at"
            )
        ),
        sorted(Flow.objects.values_list("id", "name", "slug")),
        sorted(Execution.objects.values_list("id", "status", "ended_at")),
        sorted(DailyUsage.objects.values_list("id", "succeeded", "failed", "in_flight")),
        AuditEvent.objects.count(),
        len(mail.outbox),
    )
