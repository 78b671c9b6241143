"""Run by test_production_settings.py in a process with production settings: migrate a
throwaway database, make some requests, and print their headers and cookies as one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponseBase  # noqa: E402
from django.test import Client  # noqa: E402

from accounts import tenants  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.security import mark_verified  # noqa: E402

HOST = "keyward.example.com"
PASSWORD = "a long production password 42"


def describe(response: HttpResponseBase) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    user = User.objects.create_user("owner@example.com", PASSWORD)
    mark_verified(user)
    tenants.create_tenant("Production Ltd", owner=user)

    client = Client(HTTP_HOST=HOST)
    out = {
        "http": describe(client.get("/signin")),
        "foreign_host": describe(client.get("/signin", secure=True, HTTP_HOST="evil.example")),
        "signin_page": describe(client.get("/signin", secure=True)),
        "sign_in": describe(
            client.post(
                "/signin", {"login": "owner@example.com", "password": PASSWORD}, secure=True
            )
        ),
        "signed_in_page": describe(client.get("/console/members", secure=True)),
        "api": describe(client.get("/api/v1/whoami", secure=True)),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
