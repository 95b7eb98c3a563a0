"""Field encryption: AES-256-GCM for personal numbers, an HMAC blind index for exact lookup.

Ciphertext is stored as ``v1:<urlsafe-base64(nonce ‖ ciphertext ‖ tag)>``. The HMAC key is derived
from the field key with HKDF, so one secret is kept and the two uses never share a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(field_key: str) -> tuple[AESGCM, bytes]:
    raw = base64.urlsafe_b64decode(field_key)
    if len(raw) != 32:
        raise ValueError("FANGKONG_FIELD_KEY must be 32 bytes in url-safe base64")
    enc_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fangkong-enc").derive(
        raw
    )
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fangkong-idx").derive(
        raw
    )
    return AESGCM(enc_key), mac_key


def encrypt(plaintext: str) -> str:
    aes, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    blob = nonce + aes.encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(blob).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    aes, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    blob = base64.urlsafe_b64decode(token[len(_PREFIX) :])
    return aes.decrypt(blob[:12], blob[12:], None).decode()


def encrypt_bytes(data: bytes) -> bytes:
    """A whole small file (an import's error report) sealed with the field key."""
    aes, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    return b"v1" + nonce + aes.encrypt(nonce, data, b"file")


def decrypt_bytes(blob: bytes) -> bytes:
    if not blob.startswith(b"v1"):
        raise ValueError("unknown ciphertext version")
    aes, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    return aes.decrypt(blob[2:14], blob[14:], b"file")


def blind_index(value: str, *, kind: str) -> str:
    """Deterministic keyed hash of a normalised value; ``kind`` keeps ID and phone indexes apart."""
    _, mac_key = _keys(settings.FIELD_ENCRYPTION_KEY)
    mac = _mac_base(mac_key).copy()
    mac.update(f"{kind}:{value}".encode())
    return mac.hexdigest()[:32]


@lru_cache(maxsize=4)
def _mac_base(mac_key: bytes) -> hmac.HMAC:
    return hmac.new(mac_key, digestmod=hashlib.sha256)
