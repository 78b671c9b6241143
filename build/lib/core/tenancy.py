"""The one scoping mechanism for tenant-owned data.

Every tenant-owned model uses `TenantQuerySet` (directly or through a subclass) and every
read of tenant data goes through `for_tenant(tenant)`. Views never filter by tenant by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from accounts.models import Tenant

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet[M]):
    """A queryset of rows that belong to a tenant through their `tenant` foreign key."""

    tenant_field = "tenant"

    def for_tenant(self, tenant: Tenant) -> Self:
        return self.filter(**{self.tenant_field: tenant})


def tenant_rows(model: type[M], tenant: Tenant) -> TenantQuerySet[M]:
    """All of `tenant`'s rows of `model`: where console views and API views start."""
    queryset = model._default_manager.all()
    if not isinstance(queryset, TenantQuerySet):
        raise TypeError(f"{model.__name__} is not tenant-scoped")
    return queryset.for_tenant(tenant)


def get_for_tenant_or_404(model: type[M], tenant: Tenant, **lookup: Any) -> M:
    """Fetch one row of `tenant`; another tenant's row is a 404, exactly like a missing one."""
    try:
        return tenant_rows(model, tenant).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.") from exc
