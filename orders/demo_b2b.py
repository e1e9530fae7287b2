"""Demo kitchens: account details from coop/data/regions.json (b2b_kitchens) and a weekly standing order
from each kitchen's typical_weekly_order. Idempotent: a second run changes nothing."""

from contextlib import suppress
from datetime import date, time
from decimal import Decimal

from django_scopes import scope, scopes_disabled

from catalog.models import Product
from coop.models import Cooperative
from members.models import BusinessAccount, Membership
from members.services_business import peppol_default
from orders.models import StandingOrder, StandingOrderLine, StandingOrderPause

STANDING_NAME = "Wekelijkse bestelling"
START = date(2026, 1, 1)
# A substitute when the usual product is missing that week (only used when both are in the coop's catalogue).
SUBSTITUTES = {
    "VEG-AARD-NICOLA-ZAK10": "VEG-AARD-BINTJE",
    "VEG-WITLOOF": "VEG-WITLOOF-DOOS5",
    "CHE-HOEVEKAAS-BELEGEN": "CHE-HOEVEKAAS-OUD",
    "CHE-HOEVEKAAS-OUD": "CHE-HOEVEKAAS-BELEGEN",
}
SCHOOL_HOLIDAYS = [(date(2026, 7, 1), date(2026, 8, 31), "Zomervakantie"),
                   (date(2026, 12, 21), date(2027, 1, 3), "Kerstvakantie")]


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def account_details(account: BusinessAccount, kitchen: dict) -> None:
    """Fill the account from the region file once (a fixer's later edits are kept)."""
    if account.delivery_days:
        return
    windows = kitchen.get("delivery_windows") or []
    account.kind = kitchen.get("kind", BusinessAccount.Kind.OTHER)
    account.postcode, account.city = kitchen["postcode"], kitchen["municipality"]
    account.street = account.street or "Keukenstraat 1"
    account.latitude = Decimal(str(kitchen["latitude"])).quantize(Decimal("0.00001"))
    account.longitude = Decimal(str(kitchen["longitude"])).quantize(Decimal("0.00001"))
    account.delivery_days = sorted({w["day"] for w in windows}) or ["fri"]
    if windows:
        account.delivery_from, account.delivery_until = _hhmm(windows[0]["from"]), _hhmm(windows[0]["to"])
    extra = [f"{w['day']} {w['from']}-{w['to']}" for w in windows[1:]]
    account.entry_instructions = kitchen.get("entry_instructions_nl", "") + (
        f" Ook mogelijk: {', '.join(extra)}." if extra else "")
    account.cooled_delivery_required = bool(kitchen.get("cooled_delivery_required"))
    account.service_minutes = kitchen.get("service_minutes", 15)
    account.payment_terms_days = kitchen.get("payment_terms_days", 30)
    account.peppol_id = account.peppol_id or peppol_default(account.enterprise_number)
    # Public care homes work with purchase orders; the others are invoiced monthly without one.
    account.purchase_order_required = account.kind == BusinessAccount.Kind.CARE_HOME
    account.invoicing_frequency = BusinessAccount.InvoicingFrequency.MONTHLY
    account.save()


def standing_order_ensure(coop: Cooperative, account: BusinessAccount, kitchen: dict) -> StandingOrder | None:
    chef = Membership.objects.filter(coop=coop, user__email=kitchen["seed_login"]).first()
    if chef is None:
        return None
    standing, created = StandingOrder.objects.get_or_create(
        coop=coop, account=account, name=STANDING_NAME,
        defaults={"customer": chef, "start_date": START, "created_by": chef.user,
                  "purchase_order_reference": "BB-2026-0042" if account.purchase_order_required else ""})
    if not created:
        return standing
    products = {p.sku: p for p in Product.objects.filter(coop=coop)}
    for item in kitchen.get("typical_weekly_order", []):
        product = products.get(item["sku"])
        if product is None:
            continue
        substitute = products.get(SUBSTITUTES.get(item["sku"], ""))
        StandingOrderLine.objects.create(
            coop=coop, standing_order=standing, product=product, quantity=Decimal(item["quantity"]),
            rule=StandingOrderLine.Rule.SUBSTITUTE if substitute else StandingOrderLine.Rule.TAKE_REMAINING,
            substitute=substitute)
    if account.kind == BusinessAccount.Kind.SCHOOL:
        for start, end, reason in SCHOOL_HOLIDAYS:
            StandingOrderPause.objects.create(coop=coop, standing_order=standing, start=start, end=end, reason=reason)
    return standing


@scopes_disabled()
def seed(region: dict) -> None:
    from orders.selectors_b2b import open_cycles_for_ordering
    from orders.services.standing import StandingPlacementError, standing_orders_place_for_cycle

    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        for kitchen in spec["b2b_kitchens"]:
            account = BusinessAccount.objects.filter(coop=coop, key=kitchen["key"]).first()
            if account is None:
                continue
            account_details(account, kitchen)
            standing_order_ensure(coop, account, kitchen)
        # Place them in the cycles open right now, as the beat tick would within a minute (runs make it once).
        with scope(coop=coop):
            for cycle in open_cycles_for_ordering():
                with suppress(StandingPlacementError):  # left claimed: the beat tick retries it
                    standing_orders_place_for_cycle(cycle=cycle, notify=False)
