"""What every admin page of ours shares: secrets out of reach, read-only pages that offer no
Save or Delete, and changelists whose cost does not grow with the table."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from core.text import refuse_control_characters

COUNT_CAP = 10_000

_M = TypeVar("_M", bound=Model)


class CappedPaginator(Paginator[Any]):
    """Counts at most COUNT_CAP rows (`SELECT COUNT(*) FROM (… LIMIT 10001)`), so a page
    costs the same on a million rows as on ten thousand; past the cap the admin shows
    "10,000" and the pages up to it."""

    @cached_property
    def count(self) -> int:
        objects = self.object_list
        if isinstance(objects, QuerySet):
            return int(objects.order_by()[:COUNT_CAP].count())
        return len(objects)


class AdminBasics(admin.ModelAdmin[_M], Generic[_M]):
    """A capped count, and `name_fields` that refuse control characters as everywhere else."""

    name_fields: tuple[str, ...] = ("name", "full_name")
    paginator = CappedPaginator
    show_full_result_count = False  # no second COUNT(*) over the whole table

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.name_fields:
            field.validators.append(refuse_control_characters)
        return field


class KeywardAdmin(AdminBasics[_M]):
    """`secret_fields` can be neither searched nor used in a query-string lookup (a
    `?digest__startswith=` would let staff recover a digest a character at a time)."""

    secret_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        parts = lookup.split("__")
        if any(part in self.secret_fields for part in parts):
            return False
        return bool(super().lookup_allowed(lookup, value, request))

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        fields = super().get_search_fields(request)
        return [f for f in fields if not set(f.lstrip("^=@").split("__")) & set(self.secret_fields)]


class ReadOnlyPageAdmin(KeywardAdmin[_M]):
    """Rows changed only through the services (actions on the list may still do so): the
    change page is a view page, with neither Save nor Delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list (obj None) keeps "change" for its actions; each object's page is view-only.
        return obj is None and bool(super().has_change_permission(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
