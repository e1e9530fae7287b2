"""Writing standing orders: header, lines (replaced as a whole) and pause periods, all checked."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from catalog.pricing import PricingContext
from coop.numbers import display
from members.models import BusinessAccount, Membership, Role, Weekday
from orders.models import StandingOrder, StandingOrderLine, StandingOrderPause

from .b2b import account_minimum_order

HEADER_FIELDS = {"name", "frequency", "weekdays", "start_date", "end_date", "purchase_order_reference", "is_active"}


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("'%(value)s' is not a number.") % {"value": value}}) from exc
    if not number.is_finite():
        raise ValidationError({field: _("'%(value)s' is not a number.") % {"value": value}})
    return number


def _product(value, field: str) -> Product:
    if isinstance(value, Product):
        value = value.pk
    product = Product.objects.filter(pk=value).first() if str(value or "").isdigit() else None
    if product is None:
        raise ValidationError({field: _("Unknown product.")})
    return product


def clean_lines(raw_lines) -> list[dict]:
    """[{product, quantity, rule, substitute}] -> checked line dicts with Product objects."""
    lines, seen = [], set()
    for n, raw in enumerate(raw_lines or [], start=1):
        product = _product(raw.get("product"), "lines")
        quantity = _decimal(raw.get("quantity"), "lines")
        rule = raw.get("rule") or StandingOrderLine.Rule.TAKE_REMAINING
        where = _("Line %(n)s (%(product)s)") % {"n": n, "product": product.name_nl}
        if product.pk in seen:
            raise ValidationError({"lines": _("%(where)s: the product appears twice.") % {"where": where}})
        seen.add(product.pk)
        if rule not in StandingOrderLine.Rule.values:
            raise ValidationError({"lines": _("%(where)s: unknown rule.") % {"where": where}})
        if quantity <= 0 or quantity < product.min_quantity:
            raise ValidationError({"lines": _("%(where)s: order at least %(min)s.")
                                   % {"where": where, "min": display(product.min_quantity)}})
        if quantity % product.order_step != 0:
            raise ValidationError({"lines": _("%(where)s: the quantity must be a multiple of %(step)s.")
                                   % {"where": where, "step": display(product.order_step)}})
        substitute = None
        if raw.get("substitute"):
            substitute = _product(raw["substitute"], "lines")
            if substitute.pk == product.pk:
                raise ValidationError({"lines": _("%(where)s: a product cannot substitute itself.") % {"where": where}})
        if rule == StandingOrderLine.Rule.SUBSTITUTE and substitute is None:
            raise ValidationError({"lines": _("%(where)s: name the substitute product.") % {"where": where}})
        lines.append({"product": product, "quantity": quantity, "rule": rule,
                      "substitute": substitute if rule == StandingOrderLine.Rule.SUBSTITUTE else None})
    if not lines:
        raise ValidationError({"lines": _("A standing order needs at least one product.")})
    return lines


def _customer(account: BusinessAccount, customer: Membership | None) -> Membership:
    if customer is not None and customer.business_account_id == account.pk and customer.left_at is None:
        return customer
    fallback = (Membership.objects.filter(business_account=account, left_at__isnull=True,
                                          roles__contains=[Role.BUSINESS]).order_by("pk").first())
    if fallback is None:
        raise ValidationError(_("%(account)s has nobody to order for yet; add a person to the account first.")
                              % {"account": account.name})
    return fallback


def _check_header(standing: StandingOrder) -> None:
    errors = {}
    if not standing.name.strip():
        errors["name"] = [_("Give the standing order a name.")]
    if standing.frequency not in StandingOrder.Frequency.values:
        errors["frequency"] = [_("Unknown frequency.")]
    if any(day not in Weekday.values for day in standing.weekdays):
        errors["weekdays"] = [_("Unknown weekday.")]
    if standing.frequency == StandingOrder.Frequency.WEEKDAYS and not standing.weekdays:
        errors["weekdays"] = [_("Choose the delivery weekdays.")]
    if not isinstance(standing.start_date, date):
        errors["start_date"] = [_("Give the first delivery date.")]
    elif standing.end_date and standing.end_date < standing.start_date:
        errors["end_date"] = [_("The end date must be on or after the start date.")]
    if standing.account.purchase_order_required and not standing.purchase_order_reference.strip():
        errors["purchase_order_reference"] = [_("%(account)s needs a purchase-order reference.")
                                              % {"account": standing.account.name}]
    if errors:
        raise ValidationError(errors)


def _check_minimum(account: BusinessAccount, lines: list[dict]) -> None:
    minimum = account_minimum_order(account)
    if minimum <= 0:
        return
    pricing = PricingContext(coop=account.coop, account=account)
    total = Decimal("0.00")
    for line in lines:
        price = pricing.price(line["product"])
        if price is not None:
            product = line["product"]
            billed = line["quantity"] * product.est_weight_kg if product.is_weighed else line["quantity"]
            total += billed * price.unit_net
    if total < minimum:
        raise ValidationError({"lines": _("At today's prices this standing order comes to € %(total)s excl. VAT; "
                                          "the minimum order for %(account)s is € %(minimum)s.")
                               % {"total": total.quantize(Decimal("0.01")), "account": account.name,
                                  "minimum": minimum}})


def standing_order_save(*, account: BusinessAccount, data: dict, lines=None, pauses=None, customer=None,
                        user=None, standing_order: StandingOrder | None = None) -> StandingOrder:
    """Create or update a standing order. `lines` (when given) replace the current lines, `pauses` the
    current pause periods. Orders already placed are not touched; the change counts from the next cycle."""
    unknown = set(data) - HEADER_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if standing_order is None and lines is None:
        raise ValidationError({"lines": _("A standing order needs at least one product.")})
    cleaned = clean_lines(lines) if lines is not None else None
    periods = [_clean_pause(p) for p in pauses] if pauses is not None else None
    with transaction.atomic():
        if standing_order is None:
            standing = StandingOrder(coop=account.coop, account=account, created_by=user)
        else:
            standing = StandingOrder.objects.select_for_update().get(pk=standing_order.pk)
        for name, value in data.items():
            setattr(standing, name, value if value is not None or name == "end_date" else getattr(standing, name))
        standing.weekdays = sorted(set(standing.weekdays or []), key=Weekday.values.index)
        standing.purchase_order_reference = (standing.purchase_order_reference or "").strip()[:60]
        _check_header(standing)
        if standing_order is None or customer is not None:
            standing.customer = _customer(account, customer)
        if cleaned is not None:
            _check_minimum(account, cleaned)
        try:
            with transaction.atomic():
                standing.save()
        except IntegrityError as exc:
            raise ValidationError({"name": _("This account already has a standing order with this name.")}) from exc
        if cleaned is not None:
            StandingOrderLine.objects.filter(standing_order=standing).delete()
            StandingOrderLine.objects.bulk_create([StandingOrderLine(coop=standing.coop, standing_order=standing, **ln)
                                                   for ln in cleaned])
        if periods is not None:
            StandingOrderPause.objects.filter(standing_order=standing).delete()
            for start, end, reason in periods:
                StandingOrderPause.objects.create(coop=standing.coop, standing_order=standing, start=start, end=end,
                                                  reason=reason)
    return standing


def _clean_pause(raw) -> tuple[date, date, str]:
    start, end = raw.get("start"), raw.get("end")
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError({"pauses": _("A pause needs a start and an end date.")})
    if end < start:
        raise ValidationError({"pauses": _("A pause must end on or after its start.")})
    return start, end, (raw.get("reason") or "").strip()[:100]


def standing_order_add_pause(*, standing_order: StandingOrder, start: date, end: date,
                             reason: str = "") -> StandingOrderPause:
    start, end, reason = _clean_pause({"start": start, "end": end, "reason": reason})
    return StandingOrderPause.objects.create(coop=standing_order.coop, standing_order=standing_order, start=start,
                                             end=end, reason=reason)


def standing_order_remove_pause(*, pause: StandingOrderPause) -> None:
    pause.delete()
