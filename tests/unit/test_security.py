import time

from shared.security import hash_password, read_token, sign_token, verify_password


def test_passwords_are_hashed_with_argon2_and_verified() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "Correct horse battery staple")
    assert not verify_password("not-a-hash", "anything")


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
