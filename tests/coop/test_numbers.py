"""coop.numbers: quantities as text without trailing zeros or exponent, plain for machines, localized for people."""

from decimal import Decimal

import pytest
from django.utils import translation

from coop.numbers import display, plain


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("10.000"), "10"),  # Decimal.normalize() would give "1E+1"
    (Decimal("1E+1"), "10"),
    (Decimal("2.500"), "2.5"),
    (Decimal("0.125"), "0.125"),
    (Decimal("0"), "0"),
    (Decimal("0.000"), "0"),
    (Decimal("-0.000"), "0"),
    (Decimal("-2.500"), "-2.5"),
    (Decimal("-100.00"), "-100"),
    (Decimal("1234567890.500"), "1234567890.5"),
    (Decimal("12345678901234567890123456789012.5"), "12345678901234567890123456789012.5"),  # > 28 digits, exact
    (Decimal("1E+6"), "1000000"),
    (7, "7"),
    ("3.50", "3.5"),
    (0.1, "0.1"),
])
def test_plain_has_no_trailing_zeros_no_exponent_and_a_dot(value, text):
    assert plain(value) == text
    with translation.override("nl"):
        assert plain(value) == text  # never localized


@pytest.mark.parametrize(("value", "nl", "en"), [
    (Decimal("10.000"), "10", "10"),
    (Decimal("2.500"), "2,5", "2.5"),
    (Decimal("0.000"), "0", "0"),
    (Decimal("-0.000"), "0", "0"),
    (Decimal("-2.500"), "-2,5", "-2.5"),
    (Decimal("1234567.500"), "1234567,5", "1234567.5"),
    (Decimal("1E+3"), "1000", "1000"),
])
def test_display_follows_the_active_language(value, nl, en):
    with translation.override("nl"):
        assert display(value) == nl
    with translation.override("fr"):
        assert display(value) == nl
    with translation.override("en"):
        assert display(value) == en


def test_display_in_a_given_language_leaves_the_active_one_alone():
    with translation.override("en"):
        assert display(Decimal("5.50"), "fr") == "5,5"
        assert translation.get_language() == "en" and display(Decimal("5.50")) == "5.5"
