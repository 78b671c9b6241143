"""A failure right after a new secret is minted must not show that secret on Django's error
report (the DEBUG page, or the e-mail to ADMINS): the functions holding it hide their locals."""

from __future__ import annotations

import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.views.debug import ExceptionReporter

from apikeys import keys
from apikeys.models import Kind, create_key
from core.acting import Actor, Principal

pytestmark = pytest.mark.django_db

SECRET = "kw_user_" + "5ec4e7" * 8  # built, so the source lines in the report do not hold it


def report_of(call) -> str:
    try:
        call()
    except RuntimeError:
        return ExceptionReporter(None, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the call did not fail")


def test_regenerate_hides_the_new_secret(tenant, owner):
    key, _ = create_key(tenant=tenant, kind=Kind.USER, name="ci", user=owner)
    principal = Principal.of_membership(owner.memberships.get(tenant=tenant))
    actor = Actor(user=owner, label=owner.email)
    with (
        mock.patch("apikeys.keys.crypto.generate", return_value=SECRET),
        mock.patch.object(keys, "_check_regenerable", side_effect=RuntimeError("database")),
    ):
        page = report_of(lambda: keys.regenerate(actor, principal, key, timedelta(hours=1)))
    assert "regenerate" in page and SECRET not in page


def test_create_hides_the_new_secret(tenant, owner):
    principal = Principal.of_membership(owner.memberships.get(tenant=tenant))
    actor = Actor(user=owner, label=owner.email)
    with (
        mock.patch("apikeys.models.crypto.generate", return_value=SECRET),
        mock.patch("apikeys.keys.audit.record", side_effect=RuntimeError("database")),
    ):
        page = report_of(lambda: keys.create(actor, principal, kind=Kind.USER, name="x"))
    assert SECRET not in page
