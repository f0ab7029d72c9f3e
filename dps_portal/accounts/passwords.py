"""Password hashing (argon2id) and the password rules."""

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 3),
        memory_cost=config.get("ARGON2_MEMORY_COST", 65536),
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Past a common password's core we allow nothing but digits and punctuation as "cleverness".
_DECORATION = "0123456789!@#$%^&*()-_=+.,?~ "


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(
    password: str, *, min_length: int, personal: tuple[str, ...] = ()
) -> str | None:
    """Why a new password is not good enough, as a sentence for the person; None when it is."""
    if len(password) < min_length:
        return f"Password must be {min_length} characters or more"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    lowered = password.lower()
    core = lowered.strip(_DECORATION)
    common = _common_passwords()
    if lowered in common or (len(core) >= 4 and core in common) or len(set(lowered)) <= 2:
        return (
            "Password is too common: choose something harder to guess, such as three random words"
        )
    for word in personal:
        word = word.lower().strip()
        if len(word) >= 4 and word in lowered:
            return "Password must not contain your name, email address or organisation"
    return None
