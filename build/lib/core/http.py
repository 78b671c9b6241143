"""Typed requests: what our middleware and authentication add to Django's and DRF's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

from core.acting import Principal

if TYPE_CHECKING:
    from accounts.models import Membership, Tenant, User
    from apikeys.models import ApiKey


class BrowserRequest(HttpRequest):
    """Any console request once the middleware ran: its organisation, if signed in with one."""

    tenant: Tenant | None
    membership: Membership | None


class SignedInRequest(HttpRequest):
    """A console request behind `login_required`."""

    user: User


class ConsoleRequest(HttpRequest):
    """A console request behind `tenant_required`: signed in, with an active organisation."""

    user: User
    tenant: Tenant
    membership: Membership


class KeyedHttpRequest(HttpRequest):
    """The Django request beneath an `ApiRequest`: where authentication records the key."""

    tenant: Tenant
    principal: Principal
    api_key: ApiKey


class ApiRequest(Request):
    """An API request that authenticated with a key: the key's tenant, and no other."""

    tenant: Tenant
    principal: Principal
    api_key: ApiKey
