"""Seller and buyer snapshots: what the document shows, frozen at the draft (and thus at issuing).

BusinessAccount is growing (Peppol id, address, language); fields are read with getattr and sensible defaults
so this works before and after those fields land.
"""

from stdnum.be import vat as be_vat

from coop.models import Cooperative
from members.models import BusinessAccount, Membership


def enterprise_digits(value: str) -> str:
    """'0417.497.106' or 'BE0417497106' -> '0417497106' ('' when empty)."""
    return be_vat.compact(value) if value else ""


def default_peppol_id(enterprise_number: str) -> str:
    """Belgian companies are registered on Peppol under scheme 0208 with their enterprise number."""
    digits = enterprise_digits(enterprise_number)
    return f"0208:{digits}" if digits else ""


def seller_snapshot(coop: Cooperative) -> dict:
    digits = enterprise_digits(coop.enterprise_number)
    return {
        "name": coop.legal_name or coop.name,
        "trading_name": coop.name,
        "enterprise_number": digits,
        # A VAT-registered Belgian company's VAT number is BE + its enterprise number.
        "vat_number": coop.vat_number or (f"BE{digits}" if digits else ""),
        "street": coop.street,
        "postcode": coop.postcode,
        "city": coop.city,
        "country": coop.country or "BE",
        "iban": coop.iban,
        "bic": coop.bic,
        "email": coop.contact_email,
        "phone": coop.contact_phone,
        "peppol_id": default_peppol_id(coop.enterprise_number),
    }


def business_buyer_snapshot(account: BusinessAccount, *, fallback_address: dict | None = None) -> dict:
    fallback_address = fallback_address or {}
    street = getattr(account, "street", "") or fallback_address.get("street", "")
    postcode = getattr(account, "postcode", "") or fallback_address.get("postcode", "")
    city = getattr(account, "city", "") or fallback_address.get("city", "")
    return {
        "kind": "business",
        "name": account.name,
        "customer_code": account.key,
        "enterprise_number": enterprise_digits(account.enterprise_number),
        "vat_number": account.vat_number,
        "street": street,
        "postcode": postcode,
        "city": city,
        "country": getattr(account, "country", "") or "BE",
        "email": account.invoice_email,
        "peppol_id": getattr(account, "peppol_id", "") or default_peppol_id(account.enterprise_number),
    }


def consumer_buyer_snapshot(customer: Membership, *, address: dict | None = None) -> dict:
    user = customer.user
    address = address or {}
    return {
        "kind": "consumer",
        "name": user.get_full_name() or user.email,
        "customer_code": str(customer.pk),
        "enterprise_number": "",
        "vat_number": "",
        "street": address.get("street", ""),
        "postcode": address.get("postcode", ""),
        "city": address.get("city", ""),
        "country": "BE",
        "email": user.email,
        "peppol_id": "",
    }
