"""Console forms for creating and regenerating API keys."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Tenant
from apikeys import authority
from apikeys.authority import Action, Target
from apikeys.expiry import check_expiry
from apikeys.models import Kind
from apikeys.restrictions import flow_choices, parse_networks
from apikeys.scopes import SCOPES
from core.acting import Principal
from core.forms import NameField

# The console preselects a day of grace, as a roll should: an accidental Enter or a hurried
# click then never breaks the programs still using the old secret. "None" is a deliberate pick.
DEFAULT_GRACE = "86400"
GRACE_CHOICES = [
    ("", "None: the old secret stops working at once"),
    ("3600", "1 hour"),
    ("86400", "24 hours"),
    ("259200", "3 days"),
    ("604800", "7 days"),
]


FULL_ACCESS, RESTRICTED = "full", "restricted"


def expires_at_start_of(day: dt.date | None, tenant: Tenant) -> dt.datetime | None:
    """A key chosen to expire on `day` stops at midnight starting it, organisation time."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.tzinfo)


def may_create_team_keys(tenant: Tenant, role: str) -> bool:
    """Whether to offer team keys: what the authority policy allows this role."""
    principal = Principal(tenant=tenant, role=role, user=None)
    return authority.allows(principal, Action.CREATE, Target.TEAM)


def expiry_field(help_text: str) -> forms.DateField:
    return forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
    )


class NonceForm(forms.Form):
    """Carries the one-time token that makes a re-submitted form show “gone”, not a new key."""

    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean_expires_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate(timezone=self.tenant.tzinfo):
            raise forms.ValidationError("Pick a date in the future.")
        expires_at = expires_at_start_of(day, self.tenant)
        if expires_at is not None:
            check_expiry(expires_at, timezone.now())
        return day

    def expires_at(self) -> dt.datetime | None:
        """Midnight at the start of the chosen day, in the organisation's time zone."""
        return expires_at_start_of(self.cleaned_data.get("expires_on"), self.tenant)


class CreateKeyForm(NonceForm):
    name = NameField(
        label="Name",
        max_length=100,
        help_text="What uses this key, e.g. “CI deploy” or “Laptop”.",
    )
    description = forms.CharField(
        label="Description",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = expiry_field(
        "The key stops working at the start of this day (organisation time). Leave empty "
        "for a key that does not expire."
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices, widget=forms.RadioSelect)
    access = forms.ChoiceField(
        label="Access",
        choices=[
            (FULL_ACCESS, "Full access: everything your role allows"),
            (RESTRICTED, "Only the scopes ticked below"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A restricted key can do only what its scopes allow.",
    )
    allowed_ips = forms.CharField(
        label="Allowed IP addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
        help_text="IPv4 or IPv6 networks (CIDR), one per line or comma-separated, e.g. "
        "203.0.113.0/24. Empty: usable from anywhere.",
    )
    flows = forms.MultipleChoiceField(
        label="Flows",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none for every flow; otherwise the key sees and invokes only these.",
    )

    def __init__(self, *args: Any, tenant: Tenant, role: str, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        cast(forms.ChoiceField, self.fields["flows"]).choices = flow_choices(tenant.pk)
        self.fields["name"].widget.attrs.update(autofocus=True, autocomplete="off")
        cast(forms.ChoiceField, self.fields["scopes"]).choices = [
            (scope, format_html('<code>{}</code> <span class="choice-text">{}</span>', scope, text))
            for scope, text in SCOPES.items()
        ]
        if may_create_team_keys(tenant, role):
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (Kind.USER.value, "User key: acts as you"),
                (Kind.TEAM.value, "Team key: belongs to the organisation (CI, services)"),
            ]
        else:
            # Members (and admins where only owners may) create user keys only; a posted
            # "team" is an invalid choice.
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (Kind.USER.value, "User key: acts as you")
            ]
        self.fields["kind"].initial = Kind.USER.value
        self.fields["access"].initial = FULL_ACCESS

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name

    def clean(self) -> dict[str, Any]:
        """An explicit access choice wins; without one (an older form, the API's habit) no
        ticked scope means full access."""
        data = super().clean() or {}
        access, scopes = data.get("access"), data.get("scopes") or []
        if access == FULL_ACCESS and scopes:
            self.add_error("access", "Choose Full access or the scopes, not both.")
        elif access == RESTRICTED and not scopes and "scopes" not in self.errors:
            self.add_error("scopes", "Tick at least one scope, or choose Full access.")
        return data

    def clean_allowed_ips(self) -> list[str]:
        text: str = self.cleaned_data.get("allowed_ips") or ""
        values = [part for part in text.replace(",", "\n").split() if part]
        return parse_networks(values)


class RegenerateKeyForm(NonceForm):
    grace = forms.TypedChoiceField(
        label="Keep the old secret working for",
        choices=GRACE_CHOICES,
        required=False,
        coerce=lambda seconds: dt.timedelta(seconds=int(seconds)),
        empty_value=None,
        initial=DEFAULT_GRACE,
        help_text="A grace period lets you roll the new secret out before the old one stops.",
    )
    expires_on = expiry_field(
        "An expired key needs a new expiry date; otherwise leave empty to keep its own."
    )
