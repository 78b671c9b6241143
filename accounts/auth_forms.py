"""allauth's sign-up, sign-in and change-password forms, in the console's words, with the
organisation, and the current password behind the sign-in throttle."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm, LoginForm, SignupForm
from allauth.core import context
from allauth.core.ratelimit import consume
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from accounts import tenants
from accounts.models import User


class SignUpForm(SignupForm):
    organisation = forms.CharField(
        label="Organisation name", max_length=100, help_text="You will be its owner."
    )
    field_order = ["email", "password1", "organisation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail"
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].widget.attrs.pop("placeholder", None)

    def clean_email(self) -> str:
        email: str = super().clean_email()
        # Per address, whether or not it has an account, so the limit tells nothing either.
        if email and not consume(context.request, action="signup_email", key=email.lower()):
            raise forms.ValidationError("Too many sign-ups for this address. Try again in an hour.")
        return email

    def clean_organisation(self) -> str:
        name: str = self.cleaned_data["organisation"].strip()
        if not name:
            raise forms.ValidationError("Give your organisation a name.")
        return name

    def try_save(self, request: HttpRequest) -> tuple[User | None, HttpResponse | None]:
        if self.account_already_exists:
            # A new account costs a password hash; a taken address must cost the same, or
            # the answer's timing would tell the two apart.
            make_password(self.cleaned_data.get("password1"))
        saved: tuple[User | None, HttpResponse | None] = super().try_save(request)
        return saved

    def save(self, request: HttpRequest) -> User:
        with transaction.atomic():
            user: User = super().save(request)
        return user

    def custom_signup(self, request: HttpRequest, user: User) -> None:
        tenants.create_tenant(self.cleaned_data["organisation"], owner=user)


class SignInForm(LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "E-mail"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class PasswordChangeForm(ChangePasswordForm):
    """The current password is a password check like any other: it counts against the same
    per-account and per-IP lock as the sign-in, and is refused while that lock holds."""

    def clean_oldpassword(self) -> str:
        request = context.request
        assert self.user is not None and request is not None
        adapter = get_adapter(request)
        adapter.pre_authenticate(request, email=self.user.email)  # refused while locked
        try:
            return str(super().clean_oldpassword())
        except forms.ValidationError:
            adapter.authentication_failed(request, email=self.user.email)
            raise
