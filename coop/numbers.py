"""Quantities, rates and percents as text: no trailing zeros and never an exponent.

`Decimal.normalize()` drops trailing zeros but writes 10.000 as "1E+1", so it must not reach a person or a file.
- `plain`: for machines (JSON, API, CSV, XML/UBL, <input type="number"> values and form initials): "10", "2.5".
- `display`: for people (messages, labels, documents): the same digits in the active language, "2,5" in Dutch
  and French, "2.5" in English.
Money amounts keep their two decimals and are not formatted here.
"""

from decimal import Decimal

from django.utils import formats, translation


def plain(value) -> str:
    """10.000 -> "10", 2.500 -> "2.5", -0.000 -> "0": a dot, whatever the language. Accepts Decimal, int, str, float."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(number, "f")  # exact: no rounding to the context's precision as normalize() would do
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def display(value, language: str | None = None) -> str:
    """`plain` with the decimal separator of the active language (or `language`): "2,5" in nl/fr."""
    number = Decimal(plain(value))
    if language:
        with translation.override(language):
            return formats.number_format(number)
    return formats.number_format(number)
