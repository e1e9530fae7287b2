"""Validators for Belgian/EU identifiers, backed by python-stdnum (never hand-rolled checksums)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumError

RESERVED_SLUGS = {
    "admin", "api", "accounts", "static", "media", "i18n", "invitations", "jobs", "healthz", "about",
}


def format_enterprise_number(value: str) -> str:
    """'BE 0417497106' -> '0417.497.106' (the KBO/BCE display form)."""
    digits = be_vat.compact(value)
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def validate_enterprise_number(value: str) -> None:
    try:
        be_vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid Belgian enterprise number."), params={"value": value}
        ) from exc


def validate_vat_number(value: str) -> None:
    try:
        be_vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("%(value)s is not a valid Belgian VAT number."), params={"value": value}) from exc


def validate_iban(value: str) -> None:
    try:
        iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("%(value)s is not a valid IBAN."), params={"value": value}) from exc


def validate_bic(value: str) -> None:
    try:
        bic.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("%(value)s is not a valid BIC."), params={"value": value}) from exc


def validate_coop_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("'%(value)s' is reserved and cannot be a cooperative's address."), params={"value": value}
        )


def compact_vat(value: str) -> str:
    return "BE" + be_vat.compact(value)


def compact_iban(value: str) -> str:
    return iban.compact(value)
