"""`POST /signup`, `/signup/verify`, `/signup/key`: an account and its first key in three
calls, for agents and tools that onboard their own users. No authentication; limited per
client IP and per address; the same answers whether or not an address has an account."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import normalize_email
from apikeys import signup
from apikeys.api.keys import show_once
from apikeys.api.serializers import NewKeySerializer
from core import ratelimit
from core.api.base import ApiView
from core.api.exceptions import ApiError
from core.api.fields import NameField, StrictCharField
from core.network import client_ip

ACCEPTED = {
    "status": "pending",
    "message": "If this address can sign up, a 6-digit code is on its way to it. "
    "It expires in 15 minutes.",
}


def password_min_length() -> int:
    """The configured password validators' minimum length, so that the schema states it."""
    lengths = [
        validator.min_length
        for validator in password_validation.get_default_password_validators()
        if isinstance(validator, password_validation.MinimumLengthValidator)
    ]
    return max(lengths, default=1)


class SignupSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    # Length and "not only digits" are in the schema too; the other validators (common
    # passwords, likeness to the address) run in `validate_password`.
    password = StrictCharField(
        min_length=password_min_length(),
        max_length=128,
        write_only=True,
        trim_whitespace=False,
        validators=[RegexValidator(r"\D", "This password is entirely numeric.")],
    )
    organisation = NameField(max_length=100, help_text="The new organisation's name.")

    def validate_password(self, value: str) -> str:
        try:
            password_validation.validate_password(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class SignupAcceptedSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    message = serializers.CharField()


class SignupVerifySerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    code = serializers.RegexField(r"^[0-9]{6}$", help_text="The 6-digit code from the e-mail.")


class SignupTokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Use it once, within 15 minutes, for the first key.")
    expires_in = serializers.IntegerField(help_text="Seconds.")


class SignupKeySerializer(serializers.Serializer[Any]):
    token = StrictCharField(max_length=100)
    name = NameField(max_length=100, help_text="The first key's name.")


def refused(code: str, message: str) -> ApiError:
    return ApiError(message, code, status.HTTP_400_BAD_REQUEST)


def _address_bucket(email: str) -> str:
    return "signup:address:" + hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


class SignupBase(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        rate = ratelimit.Rate.parse(settings.SIGNUP_IP_RATE_LIMIT)
        ip = client_ip(request._request) or "-"
        ratelimit.raise_if_exceeded(ratelimit.hit(f"signup:ip:{ip}", rate))

    @staticmethod
    def limit_address(email: str) -> None:
        rate = ratelimit.Rate.parse(settings.SIGNUP_ADDRESS_RATE_LIMIT)
        ratelimit.raise_if_exceeded(ratelimit.hit(_address_bucket(email), rate))


class SignupView(SignupBase):
    """Step 1: e-mail a code to the address (or, if it has an account, say so to it)."""

    @extend_schema(
        operation_id="signup",
        summary="Sign up: e-mail a code",
        request=SignupSerializer,
        responses={202: SignupAcceptedSerializer},
        auth=[],
    )
    @sensitive_variables("form")
    def post(self, request: Request) -> Response:
        form = SignupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        self.limit_address(data["email"])
        signup.ask(data["email"], data["password"], data["organisation"])
        return Response(ACCEPTED, status=status.HTTP_202_ACCEPTED)


class SignupVerifyView(SignupBase):
    """Step 2: the e-mailed code creates the account and gives a one-use sign-up token."""

    @extend_schema(
        operation_id="signup_verify",
        summary="Sign up: verify the code",
        request=SignupVerifySerializer,
        responses={
            200: SignupTokenSerializer,
            400: OpenApiResponse(description="Wrong, expired or used-up code (invalid_code)."),
        },
        auth=[],
    )
    @sensitive_variables("form", "token")
    def post(self, request: Request) -> Response:
        form = SignupVerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            token = signup.verify(form.validated_data["email"], form.validated_data["code"])
        except signup.SignupRefused:
            raise refused(
                "invalid_code", "The code is wrong or has expired. Ask for a new one."
            ) from None
        body = {"token": token, "expires_in": int(signup.TOKEN_LIFETIME.total_seconds())}
        return Response(body, headers={"Cache-Control": "no-store"})


class SignupKeyView(SignupBase):
    """Step 3: the sign-up token gives the account's first user key, shown once."""

    @extend_schema(
        operation_id="signup_key",
        summary="Sign up: the first key",
        request=SignupKeySerializer,
        responses={
            201: NewKeySerializer,
            400: OpenApiResponse(description="Wrong, expired or used token (invalid_token)."),
        },
        auth=[],
    )
    @sensitive_variables("form", "raw")
    def post(self, request: Request) -> Response:
        form = SignupKeySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            key, raw = signup.first_key(form.validated_data["token"], form.validated_data["name"])
        except signup.SignupRefused:
            raise refused(
                "invalid_token", "The sign-up token is wrong, expired or already used."
            ) from None
        return show_once(key, raw, status.HTTP_201_CREATED)
