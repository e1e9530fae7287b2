"""Writes about business accounts (kitchens): details with validated identifiers, and their people."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coop.geo import postcode_location
from coop.validators import compact_vat, format_enterprise_number, validate_enterprise_number, validate_vat_number
from members.models import BusinessAccount, Membership, Role

ACCOUNT_FIELDS = {
    "name", "kind", "enterprise_number", "vat_number", "peppol_id", "invoice_email", "invoicing_frequency",
    "payment_terms_days", "purchase_order_required", "minimum_order", "contact_phone", "street", "postcode",
    "city", "latitude", "longitude", "delivery_days", "delivery_from", "delivery_until", "entry_instructions",
    "cooled_delivery_required", "service_minutes", "is_active",
}
PEPPOL_ID = re.compile(r"^\d{4}:[A-Za-z0-9.\-]{1,50}$")  # ISO 6523 scheme : identifier, e.g. 0208:0417497106


def _normalise(data: dict) -> dict:
    errors: dict[str, list] = {}
    if data.get("enterprise_number"):
        try:
            validate_enterprise_number(data["enterprise_number"])
            data["enterprise_number"] = format_enterprise_number(data["enterprise_number"])
        except ValidationError as exc:
            errors["enterprise_number"] = exc.messages
    if data.get("vat_number"):
        try:
            validate_vat_number(data["vat_number"])
            data["vat_number"] = compact_vat(data["vat_number"])
        except ValidationError as exc:
            errors["vat_number"] = exc.messages
    if data.get("peppol_id"):
        data["peppol_id"] = data["peppol_id"].strip()
        if not PEPPOL_ID.match(data["peppol_id"]):
            errors["peppol_id"] = [_("A Peppol id looks like 0208:0417497106 (scheme, colon, identifier).")]
    if errors:
        raise ValidationError(errors)
    return data


def peppol_default(enterprise_number: str) -> str:
    """Belgian participants: scheme 0208 (KBO/BCE) with the ten digits of the enterprise number."""
    digits = re.sub(r"\D", "", enterprise_number or "")
    return f"0208:{digits}" if digits else ""


def business_account_save(*, coop, data: dict, account: BusinessAccount | None = None) -> BusinessAccount:
    """Create or update an account: identifiers validated and normalised, Peppol id defaulted from the
    enterprise number, coordinates from the postcode when none were given (or the address moved)."""
    data = dict(data)
    unknown = set(data) - ACCOUNT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    data = _normalise(data)
    with transaction.atomic():
        if account is None:
            account = BusinessAccount(coop=coop, key=_free_key(data.get("name", "")))
            before = ("", None, None)
            old_peppol = ""
        else:
            account = BusinessAccount.objects.select_for_update().get(pk=account.pk)
            before = (account.postcode, account.latitude, account.longitude)
            old_peppol = peppol_default(account.enterprise_number)
        for name, value in data.items():
            setattr(account, name, value)
        if not account.peppol_id or account.peppol_id == old_peppol:  # keep a default in step with the number
            account.peppol_id = peppol_default(account.enterprise_number)
        _locate(account, before)
        errors = {}
        if account.delivery_from and account.delivery_until and account.delivery_from >= account.delivery_until:
            errors["delivery_until"] = [_("The window must end after it starts.")]
        if errors:
            raise ValidationError(errors)
        account.full_clean(exclude=["coop", "key"], validate_constraints=False)
        account.save()
    return account


def _locate(account: BusinessAccount, before: tuple) -> None:
    given = account.latitude is not None and account.longitude is not None
    moved = account.postcode != before[0] and (account.latitude, account.longitude) == tuple(before[1:])
    if not account.postcode or (given and not moved):
        return
    point = postcode_location(account.postcode, account.city)
    if point is None:
        raise ValidationError({"postcode": _("This postcode is unknown: fill in the coordinates.")})
    account.latitude, account.longitude = point


def _free_key(name: str) -> str:
    base = slugify(name)[:50] or "account"
    key, n = base, 1
    while BusinessAccount.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


def membership_link_business_account(*, membership: Membership, account: BusinessAccount | None) -> Membership:
    """Let an existing member buy for an account (adds the business role), or unlink them (None)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk, left_at__isnull=True)
        membership.business_account = account
        if account is not None and Role.BUSINESS not in membership.roles:
            membership.roles = sorted({*membership.roles, Role.BUSINESS})
        try:
            membership.save(update_fields=["business_account", "roles"])
        except IntegrityError as exc:  # pragma: no cover - the role list is a known one
            raise ValidationError(_("Could not link this member.")) from exc
    return membership
