"""What Keyward changes of allauth's MFA: TOTP secrets and recovery-code seeds are stored
encrypted (allauth stores them as given), so a database dump alone cannot mint codes."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(f"keyward-mfa:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return _fernet(settings.MFA_ENCRYPTION_KEY).encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet(settings.MFA_ENCRYPTION_KEY).decrypt(encrypted_text.encode()).decode()
