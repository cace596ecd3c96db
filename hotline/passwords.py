"""Password hashing with scrypt (memory-hard, from the standard library) and its checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from hotline.refusals import N_, Refusal

# 2**15 × 8 × 128 bytes = 32 MiB of memory per hash: costly for a guesser, fine for a login.
N, R, P = 2**15, 8, 1
MAX_MEMORY = 64 * 1024 * 1024
MIN_LENGTH = 12
# Parts of a name or address shorter than this are too common to refuse ("de", "li").
MIN_PERSONAL_PART = 3


COMMON = N_("Ce mot de passe fait partie des plus utilisés : choisissez-en un autre.")
PERSONAL = N_("Le mot de passe ne doit contenir ni le nom ni l'adresse e-mail de la personne.")


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


@cache
def dummy_hash() -> str:
    """A hash of no one's password: sign-in checks it for an unknown address, so that a
    known and an unknown address cost the same time."""
    return hash_password(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The commonly used passwords of zxcvbn's list (about 30,000), lower-cased."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _is_common(password: str) -> bool:
    folded = password.lower()
    # "password1234", "azerty123!": a common word with digits or symbols around it.
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", folded)
    common = common_passwords()
    # Digits alone (dates, phone numbers) or one or two characters repeated are as easy to guess.
    return folded in common or core in common or folded.isdigit() or len(set(folded)) <= 2


def _personal_parts(name: str, email: str) -> set[str]:
    local = email.strip().lower().partition("@")[0]
    parts = [*re.split(r"[\W_]+", f"{name.lower()} {local}"), local]
    return {part for part in parts if len(part) >= MIN_PERSONAL_PART}


def password_problem(password: str, *, name: str = "", email: str = "") -> Refusal | None:
    """Why a new password is refused (a French text, translated where a page shows it), or None:
    too short, spaces around it, among the commonly used ones, or containing the person's name or
    the local part of their address."""
    if len(password) < MIN_LENGTH:
        return Refusal(N_("Le mot de passe doit compter au moins {n} caractères."), n=MIN_LENGTH)
    if password.strip() != password:
        return Refusal(N_("Le mot de passe ne doit pas commencer ni finir par un espace."))
    if _is_common(password):
        return Refusal(COMMON)
    folded = password.lower()
    if any(part in folded for part in _personal_parts(name, email)):
        return Refusal(PERSONAL)
    return None
