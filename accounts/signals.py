from django.dispatch import Signal

# Sent inside the transaction that changes a tenant's time zone (kwargs: tenant), so that
# data bucketed by local day (usage roll-ups) can be rebuilt.
tenant_time_zone_changed = Signal()
