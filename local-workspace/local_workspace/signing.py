"""HMAC signatures for presigned URLs: the signature and its expiry are the credential."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from local_workspace.errors import Unauthenticated


def sign(secret: bytes, message: str, expires: int) -> str:
    digest = hmac.new(secret, f"{expires}:{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check(secret: bytes, message: str, expires: int, token: str) -> None:
    """401 unless `token` signs `message` with an expiry still in the future."""
    if expires < time.time() or not hmac.compare_digest(token, sign(secret, message, expires)):
        raise Unauthenticated("The signed URL is invalid or has expired")
