"""Pseudonym keys: strong enough, named by a fingerprint that reveals nothing of them."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.domain.pseudonym import fingerprint, key_problem, pseudonymise

KEY = "3b8e0f6c1a9d52e7b40c8f13a6d9e2570c4b81f6e3a05d92c7b1e48f06a3d59b"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "no pseudonym key"),
        (None, "no pseudonym key"),
        ("x", "the pseudonym key is not hexadecimal"),
        ("my-secret-key-123", "the pseudonym key is not hexadecimal"),
        ("ab" * 31, "the pseudonym key has 31 bytes, at least 32 are needed"),
        (
            "00" * 32,
            "the pseudonym key is not random: 1 different byte values, at least 16 are needed",
        ),
        (
            "7e57" * 16,
            "the pseudonym key is not random: 2 different byte values, at least 16 are needed",
        ),
        (
            "0123456789ab" * 6,
            "the pseudonym key is not random: 6 different byte values, at least 16 are needed",
        ),
    ],
)
def test_weak_keys_are_refused_with_the_reason(key, problem):
    assert key_problem(key) == problem


def test_a_key_of_32_random_bytes_is_accepted():
    assert key_problem(KEY) is None and key_problem(KEY.upper() + "\n") is None


def test_the_fingerprint_names_the_key_without_revealing_it():
    print_ = fingerprint(KEY)
    assert print_ == fingerprint(KEY) and print_.startswith("fp_") and len(print_) == 19
    assert print_ != fingerprint(KEY[::-1])
    assert KEY[:8] not in print_
    # not a pseudonym of any code either: a fixed text is hashed, not a household
    codes = pd.Series(["fp", "ecpa-pipeline pseudonym key fingerprint v1"])
    assert print_[3:] not in set(pseudonymise(codes, KEY).str[2:])


@pytest.mark.parametrize("written", [KEY + "\n", "  " + KEY.upper(), "\t" + KEY + "\r\n"])
def test_one_key_written_two_ways_gives_one_fingerprint_and_the_same_pseudonyms(written):
    """A YAML block (``key: |``) ends the key with a newline; hex may be upper case."""
    codes = pd.Series(["5201221012010001", "5201221012010002"])
    assert fingerprint(written) == fingerprint(KEY)
    assert pseudonymise(codes, written).tolist() == pseudonymise(codes, KEY).tolist()
