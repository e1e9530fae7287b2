"""The one bank statement import (issue 11 item 5, and the webshop's payments of issue 5).

Statement files (CAMT.053 or CODA, read by coop.bank) come in here only: the Payments page under
/<coop>/invoices/payments/ (the fixer's old webshop import page redirects there) and
POST /api/v1/<coop>/payments/import/. Every incoming credit is stored once as a BankTransaction (constraint on
the bank's reference: importing a statement twice adds nothing) and matched:

1. on the OGM: the structured reference, and every valid OGM typed in the free text, so one transfer can pay
   several invoices or orders ("combined payment"); the money goes to them in the order they are named, each
   up to what is open, so a transfer for less leaves the last one partly paid;
2. an OGM is an issued invoice's, or a webshop order's: an order on an issued invoice is paid through that
   invoice (invoicing.services.order_payments records the order side, one row per transfer and order), an
   order not invoiced yet directly (its invoice later counts it as already paid);
3. without an OGM, on the payer's IBAN and the amount: when earlier payments from that IBAN went to one
   customer, a transfer of exactly the sum of that customer's open invoices (or of exactly one of them) pays it.

What cannot be matched stays on the review page, where the fixer matches it by hand (to invoices or orders) or
marks it as not a customer payment. Money beyond what was open stays visible there as "left over".
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from coop import money
from coop.bank import StatementEntry
from coop.payments import ogm_is_valid
from invoicing.models import BankTransaction, Invoice, InvoicePayment
from invoicing.selectors_billing import with_payment_state
from invoicing.services.order_payments import invoice_payment_add, invoices_of_orders
from orders.models import Order
from orders.services.payments import payment_record

_OGM = re.compile(r"(?<!\d)(\d{3})[/ .-]?(\d{4})[/ .-]?(\d{5})(?!\d)")


def ogms_in(structured: str, free_text: str) -> list[str]:
    """Valid OGMs (12 digits) in the structured reference and anywhere in the free text, in order, once each."""
    found = []
    digits = re.sub(r"\D", "", structured or "")
    if len(digits) == 12 and ogm_is_valid(digits):
        found.append(digits)
    for match in _OGM.finditer(re.sub(r"[+*]", " ", free_text or "")):
        candidate = "".join(match.groups())
        if ogm_is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found


@dataclass
class ImportReport:
    matched: list[tuple[BankTransaction, list[str]]] = field(default_factory=list)
    orders: list[tuple[BankTransaction, list[str]]] = field(default_factory=list)
    unmatched: list[BankTransaction] = field(default_factory=list)
    already_imported: int = 0
    debits: int = 0

    def as_dict(self) -> dict:
        return {
            "matched": [{"transaction": tx.pk, "amount": str(tx.amount), "invoices": numbers}
                        for tx, numbers in self.matched],
            # "order" (the first) stays for clients written when a transfer could pay one order only.
            "orders": [{"transaction": tx.pk, "amount": str(tx.amount), "orders": numbers, "order": numbers[0]}
                       for tx, numbers in self.orders],
            "unmatched": [{"transaction": tx.pk, "amount": str(tx.amount), "payer": tx.counterparty_name,
                           "reason": tx.note} for tx in self.unmatched],
            "already_imported": self.already_imported, "debits_skipped": self.debits,
        }


@dataclass(frozen=True)
class Target:
    """Where money of a transfer may go: an issued invoice (`named_order` the order whose OGM was used, if any)
    or an order that is on no issued invoice."""

    invoice_id: int | None = None
    order_id: int | None = None
    named_order: int | None = None


@dataclass
class Given:
    invoices: list[tuple[Invoice, Decimal]] = field(default_factory=list)
    orders: list[tuple[Order, Decimal]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.invoices or self.orders)

    @property
    def invoice_numbers(self) -> list[str]:
        return list(dict.fromkeys(invoice.number for invoice, _share in self.invoices))

    @property
    def order_numbers(self) -> list[str]:
        return [order.number for order, _share in self.orders]


def _order_targets(order_ids: list[int]) -> list[Target]:
    invoiced = invoices_of_orders(order_ids)
    return [Target(invoice_id=invoiced[o], named_order=o) if o in invoiced else Target(order_id=o)
            for o in order_ids]


def targets_of(ogms: list[str]) -> list[Target]:
    """The invoices and orders these OGMs name, in their order, once each. A consumer invoice for one order
    keeps the order's OGM: the invoice is the target."""
    invoices = dict(Invoice.objects.filter(payment_reference__in=ogms, status=Invoice.Status.ISSUED,
                                           kind=Invoice.Kind.INVOICE).values_list("payment_reference", "pk"))
    orders = dict(Order.objects.filter(payment_reference__in=ogms).values_list("payment_reference", "pk"))
    by_order = dict(zip(orders.values(), _order_targets(list(orders.values())), strict=True))
    targets = []
    for ogm in ogms:
        if ogm in invoices:
            target = Target(invoice_id=invoices[ogm], named_order=orders.get(ogm))
        elif ogm in orders:
            target = by_order[orders[ogm]]
        else:
            continue
        if all((t.invoice_id, t.order_id) != (target.invoice_id, target.order_id) for t in targets):
            targets.append(target)
    return targets


def _give(tx: BankTransaction, targets: list[Target], amount: Decimal, *, received_on: date, how: str,
          user=None) -> Given:
    """Give `amount` to the targets in the given order, each up to what is open. Invoices, then orders, are
    locked in primary-key order (so two imports never deadlock)."""
    invoice_ids = sorted({t.invoice_id for t in targets if t.invoice_id})
    order_ids = sorted({t.order_id for t in targets if t.order_id})
    list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk").values_list("pk", flat=True))
    state = {i.pk: i for i in with_payment_state(Invoice.objects.filter(pk__in=invoice_ids))}
    orders = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk")}
    given = Given()
    for target in targets:
        if amount <= 0:
            break
        if target.invoice_id:
            invoice = state[target.invoice_id]
            share = min(amount, invoice.open_amount)
            if share > 0:
                invoice_payment_add(invoice=invoice, amount=share, received_on=received_on, how=how, tx=tx,
                                    named_order_id=target.named_order, user=user)
                invoice.open_amount -= share  # two orders of one invoice may both be named
                given.invoices.append((invoice, share))
        else:
            order = orders[target.order_id]
            share = min(amount, order.balance_due) if order.status != Order.Status.CANCELLED else money.ZERO
            if share > 0:
                payment_record(order_id=order.pk, amount=share, received_on=received_on, source=tx.source,
                               transaction_id=tx.pk, bank_reference=tx.bank_reference,
                               payer_name=tx.counterparty_name, payer_iban=tx.counterparty_iban, user=user)
                given.orders.append((order, share))
        amount -= max(share, money.ZERO)
    return given


def _status_of(tx: BankTransaction) -> str:
    if tx.allocations.exists():
        return BankTransaction.Status.MATCHED
    return BankTransaction.Status.ORDER if tx.order_payments.exists() else BankTransaction.Status.UNMATCHED


def _party_of_iban(iban: str) -> dict | None:
    """The one customer earlier payments from this IBAN went to ({"business_account_id": ..} or
    {"customer_id": .., "business_account": None}); None when unknown or ambiguous."""
    if not iban:
        return None
    parties = set(InvoicePayment.objects.filter(transaction__counterparty_iban=iban)
                  .values_list("invoice__business_account_id", "invoice__customer_id").distinct())
    accounts = {account for account, _customer in parties}
    if len(accounts) == 1 and None not in accounts:
        return {"business_account_id": accounts.pop()}
    if len(parties) == 1:
        _account, customer = parties.pop()
        return {"customer_id": customer, "business_account": None}
    return None


def _by_iban_and_amount(tx: BankTransaction) -> list[int]:
    party = _party_of_iban(tx.counterparty_iban)
    if party is None:
        return []
    candidates = list(with_payment_state(Invoice.objects.filter(status=Invoice.Status.ISSUED,
                                                                kind=Invoice.Kind.INVOICE, **party))
                      .filter(open_amount__gt=0).order_by("due_date", "pk"))
    if candidates and sum((i.open_amount for i in candidates), money.ZERO) == tx.amount:
        return [i.pk for i in candidates]
    exact = [i.pk for i in candidates if i.open_amount == tx.amount]
    return exact if len(exact) == 1 else []


def transaction_left(tx: BankTransaction) -> Decimal:
    """What of a transfer is not given yet: to invoices, or to orders directly (an order's share of an invoice
    payment is the same money, not counted twice)."""
    to_invoices = tx.allocations.aggregate(total=Sum("amount"))["total"] or money.ZERO
    to_orders = tx.order_payments.filter(invoice__isnull=True).aggregate(total=Sum("amount"))["total"] or money.ZERO
    return tx.amount - to_invoices - to_orders


def transaction_auto_match(tx: BankTransaction, *, user=None) -> tuple[str, Given]:
    """Match one stored transaction; returns its new status and what it was given to."""
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().get(pk=tx.pk)
        if tx.status != BankTransaction.Status.UNMATCHED:
            return tx.status, Given()
        ogms = ogms_in(tx.structured, tx.free_text)
        targets, how = targets_of(ogms), "ogm"
        if not ogms:
            targets, how = [Target(invoice_id=pk) for pk in _by_iban_and_amount(tx)], "amount"
        given = _give(tx, targets, tx.amount, received_on=tx.booking_date, how=how, user=user)
        if not given:
            note = (_("Nothing is open any more on the invoices or orders of this structured communication.")
                    if targets else _("Unknown structured communication.") if ogms
                    else _("No structured communication, and the amount matches no open invoice of this payer."))
            BankTransaction.objects.filter(pk=tx.pk).update(note=note[:200])
            return BankTransaction.Status.UNMATCHED, given
        status = _status_of(tx)
        note = ", ".join(given.order_numbers)
        BankTransaction.objects.filter(pk=tx.pk).update(status=status, note=note[:200])
        return status, given


def statement_import(*, entries: list[StatementEntry], source: str, user=None, coop) -> ImportReport:
    """Store every incoming credit once and match it. Debits (money going out) are not customer payments."""
    report = ImportReport()
    for entry in entries:
        if not entry.is_credit or entry.amount <= 0:
            report.debits += 1
            continue
        try:
            with transaction.atomic():
                tx = BankTransaction.objects.create(
                    coop=coop, source=source, bank_reference=entry.reference[:100], booking_date=entry.booking_date,
                    amount=entry.amount, counterparty_name=entry.counterparty_name[:200],
                    counterparty_iban=entry.counterparty_iban.replace(" ", "").upper()[:34],
                    structured=(entry.structured or "")[:35], free_text=(entry.free_text or "")[:300],
                    imported_by=user)
        except IntegrityError:
            report.already_imported += 1
            continue
        _status, given = transaction_auto_match(tx, user=user)
        tx.refresh_from_db()
        if given.invoices:
            report.matched.append((tx, given.invoice_numbers))
        if given.orders:
            report.orders.append((tx, given.order_numbers))
        if not given:
            report.unmatched.append(tx)
    return report


def transaction_match_by_hand(*, transaction_id: int, invoice_ids: list[int] = (), order_ids: list[int] = (),
                              user=None) -> list[str]:
    """The fixer gives what is left of a transaction to the chosen invoices (oldest due first), then to the
    chosen orders (an order on an issued invoice through that invoice). Returns the invoice and order numbers."""
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
        if tx is None:
            raise ValidationError(_("This bank entry does not exist."))
        if tx.status == BankTransaction.Status.IGNORED:
            raise ValidationError(_("This bank entry is already dealt with."))
        chosen = list(Invoice.objects.filter(pk__in=invoice_ids, status=Invoice.Status.ISSUED,
                                             kind=Invoice.Kind.INVOICE).order_by("due_date", "pk")
                      .values_list("pk", flat=True))
        orders = list(Order.objects.filter(pk__in=order_ids).exclude(status=Order.Status.CANCELLED).order_by("pk")
                      .values_list("pk", flat=True))
        if not chosen and not orders:
            raise ValidationError(_("Choose at least one open invoice or order."))
        targets = [Target(invoice_id=pk) for pk in chosen]
        targets += [t for t in _order_targets(orders) if t.order_id or t.invoice_id not in chosen]
        given = _give(tx, targets, transaction_left(tx), received_on=tx.booking_date, how="hand", user=user)
        if not given:
            raise ValidationError(_("Nothing left to give, or nothing open on these invoices and orders."))
        note = (_("Matched by %(who)s") % {"who": user.get_full_name() or user.email}) if user else ""
        BankTransaction.objects.filter(pk=tx.pk).update(status=_status_of(tx), note=note[:200])
    return given.invoice_numbers + given.order_numbers


def transaction_ignore(*, transaction_id: int, user=None) -> None:
    """Not a customer payment (a grant, a refund from a supplier ...): off the review list."""
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
        if tx is None:
            raise ValidationError(_("This bank entry does not exist."))
        if tx.status != BankTransaction.Status.UNMATCHED:
            raise ValidationError(_("Only an unmatched bank entry can be set aside."))
        note = (_("Set aside by %(who)s") % {"who": user.get_full_name() or user.email}) if user else ""
        BankTransaction.objects.filter(pk=tx.pk).update(status=BankTransaction.Status.IGNORED, note=note[:200])


def _positive(amount) -> Decimal:
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError(_("A payment must be more than zero."))
    return amount


def invoice_payment_record(*, invoice_id: int, amount, received_on: date, user=None,
                           named_order_id: int | None = None) -> InvoicePayment:
    """Money received outside a statement (cash, a payment seen in online banking), recorded by hand on an
    issued invoice; its orders follow."""
    amount = _positive(amount)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id, status=Invoice.Status.ISSUED,
                                                             kind=Invoice.Kind.INVOICE).first()
        if invoice is None:
            raise ValidationError(_("Only an issued invoice can be paid."))
        return invoice_payment_add(invoice=invoice, amount=amount, received_on=received_on, how="hand",
                                   named_order_id=named_order_id, user=user)


def order_payment_record(*, order_id: int, amount, received_on: date, user=None) -> None:
    """The fixer marks money received for an order (the orders page): on the order's invoice once it has one,
    so the invoice sees it too, else on the order."""
    amount = _positive(amount)
    invoice_id = invoices_of_orders([order_id]).get(order_id)
    if invoice_id is not None:
        invoice_payment_record(invoice_id=invoice_id, amount=amount, received_on=received_on, user=user,
                               named_order_id=order_id)
    else:
        payment_record(order_id=order_id, amount=amount, received_on=received_on, user=user)
