"""What accounts tell the apps above them, which accounts may not import.

Each is sent inside the transaction of the change, so a receiver's writes commit or roll
back with it.
"""

from django.dispatch import Signal

# A tenant's time zone changed (kwargs: tenant): data bucketed by local day is rebuilt.
tenant_time_zone_changed = Signal()

# A membership is about to end (kwargs: membership, actor, reason — "member removed",
# "member left"): what the person held in that organisation through it is withdrawn.
membership_ending = Signal()

# A user was deactivated (kwargs: user, actor): what they hold anywhere is withdrawn.
user_deactivated = Signal()

# An organisation's maximum key lifetime changed (kwargs: tenant, policy): keys re-read it.
security_policy_changed = Signal()
