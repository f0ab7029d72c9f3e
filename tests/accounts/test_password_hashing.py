"""argon2id's cost comes from the configuration (OWASP's minimum unless told otherwise), and a
password hashed with other parameters is hashed again at its user's next sign-in."""

from argon2 import PasswordHasher, Type
from argon2 import extract_parameters as parameters_of

import config
from dps_portal.accounts.passwords import hash_password, needs_rehash, verify_password
from dps_portal.core.roles import Role
from tests.factories import DEFAULT_PASSWORD, make_user


def post_sign_in(client, email, password):
    return client.post("/account/sign-in", data={"email": email, "password": password})


def old_hash(password: str) -> str:
    """A hash made with other parameters than the test configuration's (t=1, m=1024, p=1)."""
    return PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2, type=Type.ID).hash(password)


def test_the_default_cost_is_owasps_minimum():
    defaults = config.Config
    assert defaults.ARGON2_MEMORY_COST == 19456  # KiB: 19 MiB
    assert defaults.ARGON2_TIME_COST == 2
    assert defaults.ARGON2_PARALLELISM == 1
    assert config.ProductionConfig.ARGON2_MEMORY_COST == 19456


def test_hashes_use_the_configured_parameters(app):
    app.config.update(ARGON2_MEMORY_COST=2048, ARGON2_TIME_COST=2, ARGON2_PARALLELISM=2)
    made = parameters_of(hash_password("a long enough password"))
    assert (made.memory_cost, made.time_cost, made.parallelism, made.type) == (
        2048,
        2,
        2,
        Type.ID,
    )
    assert verify_password(hash_password("x" * 12), "x" * 12)


def test_a_hash_with_other_parameters_needs_rehashing(app):
    assert needs_rehash(old_hash("whatever it is"))
    assert not needs_rehash(hash_password("whatever it is"))


def test_sign_in_upgrades_a_hash_made_with_older_parameters(client, db):
    user = make_user(Role.contracts_officer)
    user.password_hash = old_hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    db.session.refresh(user)
    upgraded = parameters_of(user.password_hash)
    assert (upgraded.memory_cost, upgraded.time_cost, upgraded.parallelism) == (1024, 1, 1)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    # The same password still signs in, and an up-to-date hash is left as it is.
    client.post("/account/sign-out")
    before = user.password_hash
    assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_refused_sign_in_leaves_the_old_hash(client, db):
    user = make_user(Role.contracts_officer)
    user.password_hash = hashed = old_hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert post_sign_in(client, user.email, "not the password at all").status_code == 200
    db.session.refresh(user)
    assert user.password_hash == hashed
