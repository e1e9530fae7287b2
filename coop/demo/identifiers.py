"""Clearly fake but checksum-valid Belgian identifiers for demo rows (never a real person's)."""

from stdnum import iban


def fake_enterprise_number(n: int) -> str:
    """0999.xxx.xxx numbers: the 0999 prefix is not in use, and the mod-97 check is right."""
    base = 9990000 + n  # eight digits with the leading 0: 0999nnnn
    check = 97 - (base % 97)
    digits = f"0{base:07d}{check:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def fake_iban(n: int) -> str:
    """A Belgian IBAN on bank code 000 (unassigned), with valid national and IBAN checks."""
    account = 1000000 + n
    bban10 = int(f"000{account:07d}")
    national_check = bban10 % 97 or 97
    bban = f"000{account:07d}{national_check:02d}"
    return "BE" + iban.calc_check_digits("BE00" + bban) + bban
