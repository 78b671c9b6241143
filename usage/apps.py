from typing import Any

from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from accounts.signals import tenant_time_zone_changed

        tenant_time_zone_changed.connect(rebuild_on_time_zone_change, dispatch_uid="usage-tz")


def rebuild_on_time_zone_change(sender: Any, tenant: Any, **kwargs: Any) -> None:
    """Roll-ups bucket runs by local day: a new time zone moves runs between days."""
    from usage.rollups import rebuild

    rebuild(tenant)
