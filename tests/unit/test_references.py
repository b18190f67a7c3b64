import re

from hypothesis import given
from hypothesis import strategies as st

from shared.references import (
    ALPHABET,
    check_character,
    new_client_id,
    new_reference,
    normalise_reference,
)

REFERENCE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]$")
bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


def test_new_references_are_short_unambiguous_and_valid() -> None:
    for _ in range(200):
        reference = new_reference()
        assert REFERENCE.match(reference), reference
        assert not set("01OI") & set(reference.replace("-", ""))
        assert normalise_reference(reference) == reference


def test_client_ids_use_the_same_checked_scheme() -> None:
    client_id = new_client_id()
    assert client_id.startswith("C-")
    assert normalise_reference(client_id[2:]) == client_id[2:]


def test_what_people_type_is_normalised() -> None:
    reference = new_reference()
    typed = " " + reference.replace("-", " ").lower() + " "
    assert normalise_reference(typed) == reference
    assert normalise_reference("") is None
    assert normalise_reference("ABCD-EFGH") is None
    assert normalise_reference("ABCD-EFGH-0") is None  # 0 is not in the alphabet


@given(body=bodies, position=st.integers(0, 8), replacement=st.sampled_from(ALPHABET))
def test_any_single_mistyped_character_is_caught(
    body: str, position: int, replacement: str
) -> None:
    compact = body + check_character(body)
    mistyped = compact[:position] + replacement + compact[position + 1 :]
    if mistyped != compact:
        assert normalise_reference(mistyped) is None


@given(body=bodies, position=st.integers(0, 7))
def test_swapped_neighbours_are_caught_unless_the_pair_is_luhn_blind(
    body: str, position: int
) -> None:
    compact = body + check_character(body)
    swapped = (
        compact[:position] + compact[position + 1] + compact[position] + compact[position + 2 :]
    )
    pair = {ALPHABET.index(compact[position]), ALPHABET.index(compact[position + 1])}
    # Luhn mod 32 cannot see a swap of the values 0 and 31 (or of equal characters).
    if swapped != compact and pair != {0, len(ALPHABET) - 1}:
        assert normalise_reference(swapped) is None
