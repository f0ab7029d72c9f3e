"""Password hashing (argon2id) and the password rules."""

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane. config.py reads
# ARGON2_MEMORY_COST (KiB), ARGON2_TIME_COST and ARGON2_PARALLELISM, with these as defaults.
OWASP_MEMORY_COST = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


@lru_cache(maxsize=8)
def _hasher_with(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


def _hasher() -> PasswordHasher:
    """The hasher of the running app's configuration (read when asked, never at import)."""
    config = current_app.config
    return _hasher_with(
        int(config.get("ARGON2_TIME_COST", OWASP_TIME_COST)),
        int(config.get("ARGON2_MEMORY_COST", OWASP_MEMORY_COST)),
        int(config.get("ARGON2_PARALLELISM", OWASP_PARALLELISM)),
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


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that has just verified was made with other parameters than the
    configured ones: sign-in then stores a new hash of the same password."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


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
