"""Console forms for accounts, members and tenant settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.http import HttpRequest, QueryDict

from accounts.models import Membership, Tenant, User, normalize_email, time_zone_names
from accounts.roles import Role, assignable_roles
from core.forms import NameField
from core.text import refuse_control_characters


def posted(request: HttpRequest) -> QueryDict | None:
    """Form data to bind: the POST body on a POST, even an empty one (which must show
    "This field is required", not the blank form), and nothing on a GET."""
    return request.POST if request.method == "POST" else None


class InvitationSignUpForm(forms.Form):
    """Creating an account from an invitation link: the link proves the address."""

    email = forms.EmailField(label="E-mail", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", readonly=True)

    def clean_email(self) -> str:
        # Only the holder of the invitation link sees this, so it tells an outsider nothing.
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("An account with this e-mail already exists. Sign in.")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TenantCreateForm(forms.Form):
    name = NameField(label="Organisation name", max_length=100)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the organisation a name.")
        return name


class TenantSettingsForm(forms.ModelForm[Tenant]):
    time_zone = forms.TypedChoiceField(
        label="Time zone",
        choices=[(name, name) for name in time_zone_names()],
        help_text="Usage days start at midnight in this time zone.",
    )

    class Meta:
        model = Tenant
        fields = ["name", "time_zone"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("The organisation needs a name.")
        refuse_control_characters(name)
        return name


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(label="Role", choices=[])

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        roles = [r for r in assignable_roles(by.role) if r != Role.OWNER]
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.value, r.label) for r in roles]
        self.fields["role"].initial = Role.MEMBER

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if Membership.objects.for_tenant(self.by.tenant).filter(user__email=email).exists():
            raise forms.ValidationError(f"{email} is already a member.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=[])

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [(r.value, r.label) for r in assignable_roles(by.role)]


class SwitchTenantForm(forms.Form):
    tenant = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    next = forms.CharField(required=False, max_length=2000)
