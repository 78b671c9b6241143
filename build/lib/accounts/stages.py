"""Login stages that differ from allauth's."""

from __future__ import annotations

from typing import Any

from allauth.account.stages import EmailVerificationStage


class SignUpEmailVerificationStage(EmailVerificationStage):
    """Verification by code is part of signing up, so that a sign-up with a taken address
    answers exactly like a new one. Signing in later with an unverified address does not
    insist: the person looks around, sees why they cannot mint keys, and resends the code."""

    def handle(self) -> tuple[Any, bool]:
        if not self.login.signup:
            return None, True
        return super().handle()  # type: ignore[no-any-return]
