"""Password hashing with scrypt (memory-hard, from the standard library) and its checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from hotline.refusals import N_, Refusal

# 2**15 × 8 × 128 bytes = 32 MiB of memory per hash: costly for a guesser, fine for a login.
N, R, P = 2**15, 8, 1
MAX_MEMORY = 64 * 1024 * 1024
MIN_LENGTH = 12


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash, stored with its parameters: scrypt$N$r$p$salt$hash."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAX_MEMORY)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether the password matches the stored hash (constant-time comparison)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=MAX_MEMORY,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def password_problem(password: str) -> Refusal | None:
    """Why a new password is refused (a French text, translated where a page shows it), or None."""
    if len(password) < MIN_LENGTH:
        return Refusal(N_("Le mot de passe doit compter au moins {n} caractères."), n=MIN_LENGTH)
    if password.strip() != password:
        return Refusal(N_("Le mot de passe ne doit pas commencer ni finir par un espace."))
    return None
