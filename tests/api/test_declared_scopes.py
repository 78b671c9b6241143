"""An API view that forgets `required_scopes` fails the system checks, never runs open."""

from __future__ import annotations

from django.core.checks import run_checks
from django.urls import path
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.checks import undeclared_scopes


class Forgetful(TenantAPIView):
    def get(self, request):
        return Response({})


urlpatterns = [path("forgetful", Forgetful.as_view())]


def test_every_view_of_the_api_declares_its_scopes():
    assert undeclared_scopes() == []


def test_a_view_without_scopes_is_a_system_check_error(settings):
    settings.ROOT_URLCONF = __name__
    assert undeclared_scopes() == [f"{__name__}.Forgetful"]
    errors = [m for m in run_checks() if m.id == "keyward.E001"]
    assert len(errors) == 1


def test_it_also_refuses_at_request_time(settings, tenant, owner):
    from tests.api.conftest import ApiClient, mint

    settings.ROOT_URLCONF = __name__
    _, raw = mint(tenant, owner, name="forgetful")
    client = ApiClient(raw, raise_request_exception=False)
    response = client.get("/forgetful")
    assert response.status_code == 500  # ImproperlyConfigured: loud, never a 200
