import time

from shared.security import hash_password, read_token, sign_token, verify_password


def test_passwords_are_hashed_with_argon2_and_verified() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "Correct horse battery staple")
    assert not verify_password("not-a-hash", "anything")


def test_production_hashes_with_argon2_s_defaults_and_every_hash_verifies_either_way() -> None:
    from argon2 import DEFAULT_MEMORY_COST, DEFAULT_TIME_COST

    from shared import security

    production = security.PRODUCTION_HASHER
    assert (production.time_cost, production.memory_cost) == (
        DEFAULT_TIME_COST,
        DEFAULT_MEMORY_COST,
    )
    made_in_tests = hash_password("correct horse battery staple")  # the cheap test hasher
    assert f"m={DEFAULT_MEMORY_COST}," not in made_in_tests
    assert production.verify(made_in_tests, "correct horse battery staple")
    made_in_production = production.hash("correct horse battery staple")
    assert f"m={DEFAULT_MEMORY_COST}," in made_in_production
    assert verify_password(made_in_production, "correct horse battery staple")


def test_tokens_carry_their_payload_for_their_purpose_only() -> None:
    token = sign_token("secret", "sign-in", {"party": 7})
    assert read_token("secret", "sign-in", token, max_age_seconds=60) == {"party": 7}
    assert read_token("secret", "resume-form", token, max_age_seconds=60) is None
    assert read_token("other-secret", "sign-in", token, max_age_seconds=60) is None
    assert read_token("secret", "sign-in", token + "x", max_age_seconds=60) is None


def test_tokens_expire() -> None:
    token = sign_token("secret", "sign-in", 1)
    time.sleep(1.1)
    assert read_token("secret", "sign-in", token, max_age_seconds=0) is None
