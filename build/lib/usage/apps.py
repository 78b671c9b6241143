from typing import Any

from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from accounts.signals import tenant_time_zone_changed
        from apikeys.restrictions import register_flow_checker
        from usage.filters import flow_choices, unknown_flows

        tenant_time_zone_changed.connect(rebuild_on_time_zone_change, dispatch_uid="usage-tz")
        # Keys restricted to flows name them by id; only this app knows which exist.
        register_flow_checker(unknown_flows, flow_choices)


def rebuild_on_time_zone_change(sender: Any, tenant: Any, **kwargs: Any) -> None:
    """Roll-ups bucket runs by local day: a new time zone moves runs between days."""
    from usage.rollups import rebuild

    rebuild(tenant)
