"""Key material: entropy, format, hashing and comparison."""

import math

from sitepulse.access import tokens


def test_keys_are_unique_well_formed_and_carry_at_least_128_bits() -> None:
    keys = [tokens.new_key() for _ in range(500)]
    assert len({key for _, key in keys}) == len({key_id for key_id, _ in keys}) == 500
    for key_id, key in keys:
        parsed = tokens.parse_key(key)
        assert parsed is not None and parsed[0] == key_id
        # 43 url-safe base64 characters = 256 bits of the OS CSPRNG.
        assert len(parsed[1]) * math.log2(64) >= 128


def test_malformed_keys_do_not_parse() -> None:
    _, key = tokens.new_key()
    for bad in ("", "sp_", key + "x", key[:-1], key.replace("sp_", "xx_"), key.upper(), f"{key} ", "garbage"):
        assert tokens.parse_key(bad) is None, bad


def test_hash_is_sha256_hex_and_comparison_matches_only_the_secret() -> None:
    _, key = tokens.new_key()
    secret = tokens.parse_key(key)[1]  # type: ignore[index]
    stored = tokens.hash_secret(secret)
    assert len(stored) == 64 and secret not in stored
    assert tokens.secret_matches(secret, stored)
    assert not tokens.secret_matches(secret[:-1] + ("A" if secret[-1] != "A" else "B"), stored)
    assert not tokens.secret_matches(secret, "")


def test_bearer_token_parsing() -> None:
    assert tokens.bearer_token("Bearer abc") == "abc"
    assert tokens.bearer_token("bearer   abc ") == "abc"
    for bad in (None, "", "Bearer", "Bearer ", "Basic abc", "abc"):
        assert tokens.bearer_token(bad) is None
