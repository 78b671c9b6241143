"""Error reports never show a raw key, with DEBUG on too.

Django cleanses `sensitive_variables` and `sensitive_post_parameters` only when DEBUG is
off; DEBUG is our development default, and a technical 500 page is still a page someone
may screenshot or paste. This filter cleanses always. The key headers are cleansed by
name as well (Django's own pattern already covers X-API-Key and Authorization)."""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

KEY_HEADERS = re.compile(r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE", re.IGNORECASE)


class AlwaysCleansingFilter(SafeExceptionReporterFilter):
    hidden_settings = KEY_HEADERS

    def is_active(self, request: Any) -> bool:
        return True
