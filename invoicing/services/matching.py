"""Money in (issue 11 item 5): bank statement entries matched to invoices (and to webshop orders).

Every incoming credit of a statement (CAMT.053 or CODA, read by coop.bank) is stored once as a BankTransaction
(constraint on the bank's reference: importing a statement twice adds nothing) and matched:

1. on the OGM: the structured reference, and every valid OGM typed in the free text, so one transfer can pay
   several invoices ("combined payment"); the money goes to them in the order they are named, each up to what
   is open, so a transfer for less leaves the last one partly paid;
2. on an order's OGM (a webshop payment before delivery): recorded on the order as the webshop import does;
3. without an OGM, on the payer's IBAN and the amount: when earlier payments from that IBAN went to one
   customer, a transfer of exactly the sum of that customer's open invoices (or of exactly one of them) pays it.

What cannot be matched stays on the review page, where the fixer matches it by hand or marks it as not a
customer payment. Money beyond what was open stays visible there as "left over".
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
    orders: list[tuple[BankTransaction, str]] = field(default_factory=list)
    unmatched: list[BankTransaction] = field(default_factory=list)
    already_imported: int = 0
    debits: int = 0

    def as_dict(self) -> dict:
        return {
            "matched": [{"transaction": tx.pk, "amount": str(tx.amount), "invoices": numbers}
                        for tx, numbers in self.matched],
            "orders": [{"transaction": tx.pk, "amount": str(tx.amount), "order": number} for tx, number in self.orders],
            "unmatched": [{"transaction": tx.pk, "amount": str(tx.amount), "payer": tx.counterparty_name,
                           "reason": tx.note} for tx in self.unmatched],
            "already_imported": self.already_imported, "debits_skipped": self.debits,
        }


def _allocate(tx: BankTransaction | None, invoice_ids: list[int], amount: Decimal, *, received_on: date, how: str,
              user=None) -> list[tuple[Invoice, Decimal]]:
    """Give `amount` to the invoices in the given order, each up to what is open; invoices locked (pk order)."""
    list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk").values_list("pk", flat=True))
    state = {i.pk: i for i in with_payment_state(Invoice.objects.filter(pk__in=invoice_ids))}
    given = []
    for invoice_id in invoice_ids:
        invoice = state[invoice_id]
        share = min(amount, invoice.open_amount)
        if share <= 0:
            continue
        InvoicePayment.objects.create(coop=invoice.coop, invoice=invoice, transaction=tx, amount=share,
                                      received_on=received_on, matched_by=how, created_by=user)
        amount -= share
        given.append((invoice, share))
    return given


def _also_on_the_order(tx: BankTransaction, given: list[tuple[Invoice, Decimal]], user=None) -> None:
    """A consumer invoice for one order keeps the order's OGM: the order's payment status follows too."""
    for invoice, share in given:
        order = Order.objects.filter(payment_reference=invoice.payment_reference).first()
        if order is not None:
            payment_record(order_id=order.pk, amount=share, received_on=tx.booking_date, source=tx.source,
                           bank_reference=tx.bank_reference, payer_name=tx.counterparty_name,
                           payer_iban=tx.counterparty_iban, user=user)


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


def transaction_auto_match(tx: BankTransaction, *, user=None) -> tuple[str, list[str]]:
    """Match one stored transaction. Returns ("matched", invoice numbers), ("order", [number]) or
    ("unmatched", [])."""
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().get(pk=tx.pk)
        if tx.status != BankTransaction.Status.UNMATCHED:
            return tx.status, []
        ogms = ogms_in(tx.structured, tx.free_text)
        by_ogm = dict(Invoice.objects.filter(payment_reference__in=ogms, status=Invoice.Status.ISSUED,
                                             kind=Invoice.Kind.INVOICE).values_list("payment_reference", "pk"))
        invoice_ids = [by_ogm[o] for o in ogms if o in by_ogm]
        how = "ogm"
        if not invoice_ids and ogms:
            order = Order.objects.filter(payment_reference__in=ogms).order_by("pk").first()
            if order is not None:
                payment_record(order_id=order.pk, amount=tx.amount, received_on=tx.booking_date, source=tx.source,
                               bank_reference=tx.bank_reference, payer_name=tx.counterparty_name,
                               payer_iban=tx.counterparty_iban, user=user)
                BankTransaction.objects.filter(pk=tx.pk).update(status=BankTransaction.Status.ORDER,
                                                                note=order.number)
                return BankTransaction.Status.ORDER, [order.number]
        if not invoice_ids and not ogms:
            invoice_ids, how = _by_iban_and_amount(tx), "amount"
        given = _allocate(tx, invoice_ids, tx.amount, received_on=tx.booking_date, how=how, user=user)
        if not given:
            note = (_("The invoices of this structured communication are already paid.") if invoice_ids
                    else _("Unknown structured communication.") if ogms
                    else _("No structured communication, and the amount matches no open invoice of this payer."))
            BankTransaction.objects.filter(pk=tx.pk).update(note=note[:200])
            tx.note = note[:200]
            return BankTransaction.Status.UNMATCHED, []
        _also_on_the_order(tx, given, user=user)
        BankTransaction.objects.filter(pk=tx.pk).update(status=BankTransaction.Status.MATCHED, note="")
        return BankTransaction.Status.MATCHED, [invoice.number for invoice, _share in given]


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
        status, found = transaction_auto_match(tx, user=user)
        tx.refresh_from_db()
        if status == BankTransaction.Status.MATCHED:
            report.matched.append((tx, found))
        elif status == BankTransaction.Status.ORDER:
            report.orders.append((tx, found[0]))
        else:
            report.unmatched.append(tx)
    return report


def transaction_match_by_hand(*, transaction_id: int, invoice_ids: list[int], user=None) -> list[str]:
    """The fixer gives what is left of a transaction to the chosen invoices (oldest due first)."""
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
        if tx is None:
            raise ValidationError(_("This bank entry does not exist."))
        if tx.status in (BankTransaction.Status.ORDER, BankTransaction.Status.IGNORED):
            raise ValidationError(_("This bank entry is already dealt with."))
        chosen = list(Invoice.objects.filter(pk__in=invoice_ids, status=Invoice.Status.ISSUED,
                                             kind=Invoice.Kind.INVOICE).order_by("due_date", "pk")
                      .values_list("pk", flat=True))
        if not chosen:
            raise ValidationError(_("Choose at least one open invoice."))
        allocated = tx.allocations.aggregate(total=Sum("amount"))["total"] or money.ZERO
        given = _allocate(tx, chosen, tx.amount - allocated, received_on=tx.booking_date, how="hand", user=user)
        if not given:
            raise ValidationError(_("Nothing left to give, or nothing open on these invoices."))
        _also_on_the_order(tx, given, user=user)
        note = (_("Matched by %(who)s") % {"who": user.get_full_name() or user.email}) if user else ""
        BankTransaction.objects.filter(pk=tx.pk).update(status=BankTransaction.Status.MATCHED, note=note[:200])
    return [invoice.number for invoice, _share in given]


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


def invoice_payment_record(*, invoice_id: int, amount, received_on: date, user=None) -> InvoicePayment:
    """Money received outside a statement (cash, a payment seen in online banking), recorded by hand."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError(_("A payment must be more than zero."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id, status=Invoice.Status.ISSUED,
                                                             kind=Invoice.Kind.INVOICE).first()
        if invoice is None:
            raise ValidationError(_("Only an issued invoice can be paid."))
        return InvoicePayment.objects.create(coop=invoice.coop, invoice=invoice, amount=amount,
                                             received_on=received_on, matched_by="hand", created_by=user)
