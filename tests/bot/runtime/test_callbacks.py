"""The callback-data codec: small, namespaced, and never trusting what comes back."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.callbacks import CALLBACK_DATA_LIMIT, BadCallback, decode, encode, to_int


def test_encode_and_decode_round_trip() -> None:
    data = encode("q", 12, "languages", "fr")

    assert data == "q:12:languages:fr"
    assert decode(data, "q", 3) == ["12", "languages", "fr"]


def test_data_up_to_64_bytes_is_accepted() -> None:
    exactly = encode("q", "x" * (CALLBACK_DATA_LIMIT - 2))

    assert len(exactly.encode()) == 64


@pytest.mark.parametrize(
    "fields",
    [
        ("x" * 63,),
        ("é" * 32,),  # 32 characters but 64 bytes, plus the namespace
        (1, "step", "🙂" * 15),
    ],
)
def test_data_over_64_bytes_is_refused(fields: tuple[str | int, ...]) -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode("q", *fields)


@pytest.mark.parametrize(("namespace", "fields"), [("q", ("a:b",)), ("q:x", ("a",))])
def test_a_colon_inside_a_field_is_refused(namespace: str, fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="':'"):
        encode(namespace, *fields)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "lang:fr",  # another namespace
        "qq:1:role:mentor",  # a namespace that merely starts the same
        "q:1:role",  # too few fields
        "q:1:role:mentor:extra",  # too many fields
        "q",
    ],
)
def test_foreign_or_malformed_data_is_a_bad_callback(data: str | None) -> None:
    with pytest.raises(BadCallback):
        decode(data, "q", 3)


def test_a_bad_callback_is_a_value_error() -> None:
    assert issubclass(BadCallback, ValueError)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("12", 12), ("007", 7), (str(2**52), 2**52)])
def test_to_int_parses_integers(text: str, value: int) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "abc",
        "1.5",
        " 1",
        "1 ",
        "+1",
        "--5",
        "-5-",
        "²",
        "٣",
        "1_000",
        "9" * 21,
        "-3",
        str(2**52 + 1),
        "\uff11\uff12",
    ],
)
def test_to_int_refuses_anything_else_as_a_bad_callback(text: str) -> None:
    with pytest.raises(BadCallback):
        to_int(text)


_FIELD = st.one_of(
    st.integers(0, 2**52), st.text(st.characters(exclude_characters=":"), max_size=20)
)


@given(namespace=st.from_regex(r"[a-z]{1,8}", fullmatch=True), fields=st.lists(_FIELD, max_size=5))
def test_whatever_encodes_decodes_to_the_same_fields(
    namespace: str, fields: list[str | int]
) -> None:
    try:
        data = encode(namespace, *fields)
    except ValueError:
        return  # over 64 bytes: refused before it could reach Telegram
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert decode(data, namespace, len(fields)) == [str(field) for field in fields]


@given(data=st.one_of(st.none(), st.text(max_size=80)), arity=st.integers(0, 5))
def test_arbitrary_data_decodes_or_is_refused_as_bad(data: str | None, arity: int) -> None:
    try:
        fields = decode(data, "q", arity)
    except BadCallback:
        return
    assert data is not None and data.startswith("q:") and len(fields) == arity
    for field in fields:  # a number field is a user id's range, or refused as bad
        with contextlib.suppress(BadCallback):
            assert 0 <= to_int(field) <= 2**52
