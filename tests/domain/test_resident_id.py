import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ecpa_pipeline.domain import resident_id

first17 = st.from_regex(
    r"\A[1-9][0-9]{5}(19[3-9][0-9]|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|2[0-8])[0-9]{3}\Z"
)


def test_known_example_is_valid():
    ids = np.array(["11010519491231002X", "440524188001010014"])
    assert resident_id.valid_check_character(ids).tolist() == [True, True]


@given(first17)
def test_composed_ids_validate(prefix):
    full = prefix + resident_id.check_characters(np.array([prefix]))[0]
    assert resident_id.valid_check_character(np.array([full]))[0]


@given(first17, st.sampled_from(list("0123456789X")))
def test_any_other_check_character_is_rejected(prefix, wrong):
    right = resident_id.check_characters(np.array([prefix]))[0]
    if wrong != right:
        assert not resident_id.valid_check_character(np.array([prefix + wrong]))[0]


@given(first17, st.integers(0, 16), st.integers(1, 9))
def test_single_digit_errors_are_detected(prefix, position, delta):
    full = prefix + resident_id.check_characters(np.array([prefix]))[0]
    digit = (int(full[position]) + delta) % 10
    typo = full[:position] + str(digit) + full[position + 1 :]
    assert not resident_id.valid_check_character(np.array([typo]))[0]


def test_malformed_ids_are_not_valid():
    ids = np.array(
        ["1101051949123100", "11010519491231002XX", "A1010519491231002X", "", "'11010519491231002X"]
    )
    assert not resident_id.valid_check_character(ids).any()


def test_birth_date_and_sex_are_read_from_the_id():
    ids = np.array(["11010519491231002X", "440524188001010014", "52012219871332001X"])
    births = resident_id.birth_dates(ids)
    assert str(births[0]) == "1949-12-31"
    assert str(births[1]) == "1880-01-01"
    assert np.isnat(births[2])
    assert resident_id.is_male(ids).tolist() == [False, True, True]
