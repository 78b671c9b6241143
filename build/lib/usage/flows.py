"""Creating flows: the one place that picks a slug and checks it is free in the tenant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.models import Tenant
from usage.models import Flow


def free_slug(tenant: Tenant, name: str) -> str:
    base = slugify(name)[:50] or "flow"
    taken = set(
        Flow.objects.for_tenant(tenant).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_flow(tenant: Tenant, name: str, slug: str = "", description: str = "") -> Flow:
    """A new flow of `tenant`; without a slug one is made from the name."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A flow needs a name."})
    explicit = bool(slug)
    slug = slug or free_slug(tenant, name)
    try:
        with transaction.atomic():
            return Flow.objects.create(
                tenant=tenant, name=name, slug=slug, description=description.strip()
            )
    except IntegrityError as exc:
        what = f"A flow with the slug “{slug}” already exists." if explicit else str(exc)
        raise ValidationError({"slug": what}) from exc
