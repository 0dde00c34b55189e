"""Pseudonym keys: strong enough, named by a fingerprint that reveals nothing of them."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.domain.pseudonym import fingerprint, key_problem, pseudonymise

KEY = "a1" * 32


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "no pseudonym key"),
        (None, "no pseudonym key"),
        ("x", "the pseudonym key is not hexadecimal"),
        ("my-secret-key-123", "the pseudonym key is not hexadecimal"),
        ("ab" * 31, "the pseudonym key has 31 bytes, at least 32 are needed"),
    ],
)
def test_weak_keys_are_refused_with_the_reason(key, problem):
    assert key_problem(key) == problem


def test_a_key_of_32_random_bytes_is_accepted():
    assert key_problem(KEY) is None and key_problem(KEY.upper() + "\n") is None


def test_the_fingerprint_names_the_key_without_revealing_it():
    print_ = fingerprint(KEY)
    assert print_ == fingerprint(KEY) and print_.startswith("fp_") and len(print_) == 19
    assert print_ != fingerprint("a2" * 32)
    assert KEY[:8] not in print_
    # not a pseudonym of any code either: a fixed text is hashed, not a household
    codes = pd.Series(["fp", "ecpa-pipeline pseudonym key fingerprint v1"])
    assert print_[3:] not in set(pseudonymise(codes, KEY).str[2:])
