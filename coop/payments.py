"""Belgian payment references and the EPC "scan to pay" QR code (shared/domain/payments.md)."""

from decimal import Decimal

import segno.helpers
from stdnum.be import ogm_vcs


def ogm_from_base(base: int) -> str:
    """12 digits: the 10-digit base and its mod-97 check (97 when the remainder is 0)."""
    digits = f"{base:010d}"
    if len(digits) != 10:
        raise ValueError("an OGM base has at most 10 digits")
    return digits + ogm_vcs.calc_check_digits(digits)


def ogm_display(ogm: str) -> str:
    """+++123/4567/89002+++, the form printed on documents."""
    return f"+++{ogm_vcs.format(ogm)}+++"


def ogm_is_valid(value: str) -> bool:
    return ogm_vcs.is_valid(value)


def epc_qr_svg(*, name: str, iban: str, amount: Decimal, ogm: str, bic: str = "") -> str:
    """An EPC069-12 QR code (version 002) with the OGM as structured reference, as inline SVG."""
    qr = segno.helpers.make_epc_qr(name=name[:70], iban=iban, amount=amount, reference=ogm, bic=bic or None)
    return qr.svg_inline(scale=4, title="EPC QR", border=2)


def epc_qr_payload(*, name: str, iban: str, amount: Decimal, ogm: str, bic: str = "") -> str:
    """The text inside the QR code, for tests and for people who cannot scan it.

    Uses segno's own encoder (the function its make_epc_qr calls), so it is exactly what the QR holds.
    """
    data = segno.helpers._make_epc_qr_data(name=name[:70], iban=iban, amount=amount, reference=ogm,
                                           bic=bic or None)
    return data.decode("latin-1") if isinstance(data, bytes) else data
