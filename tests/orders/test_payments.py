"""OGM check digits, the EPC QR payload, and webshop orders paid through the one bank statement import
(CAMT.053, CODA; invoicing.services.matching) on their OGM."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django_scopes import scope

from coop.bank import StatementError, parse_camt053, parse_coda, parse_statement
from coop.payments import epc_qr_payload, epc_qr_svg, ogm_display, ogm_from_base
from invoicing.models import BankTransaction
from invoicing.services.matching import statement_import
from orders.models import Order, Payment
from orders.services.payments import payment_record

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(("base", "ogm"), [(1234567890, "123456789002"), (2026000042, "202600004236"),
                                           (97, "000000009797")])
def test_ogm_check_digits_from_the_worked_examples(base, ogm):
    assert ogm_from_base(base) == ogm


def test_ogm_display():
    assert ogm_display("123456789002") == "+++123/4567/89002+++"


def test_epc_qr_payload_has_the_ogm_as_structured_reference():
    payload = epc_qr_payload(name="Voedselcoöperatie Hageland", iban="BE37000100000128", amount=Decimal("42.50"),
                             ogm="202600004236")
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "2", "SCT"]
    assert lines[5:8] == ["Voedselcoöperatie Hageland", "BE37000100000128", "EUR42.5"]
    assert lines[9] == "202600004236"  # line 10: structured remittance, no +++ or slashes
    assert "<svg" in epc_qr_svg(name="X", iban="BE37000100000128", amount=Decimal("1.00"), ogm="202600004236")


def camt(entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-20T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>BE37000100000128</IBAN></Id></Acct>{entries}</Stmt></BkToCstmrStmt></Document>
""".encode()


def camt_entry(ref: str, amount: str, remittance: str, credit: bool = True) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>
<Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Jan Klant</Nm></Dbtr><DbtrAcct><Id><IBAN>BE68539007547034</IBAN></Id>
</DbtrAcct></RltdPties><RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"""


def structured(ogm: str) -> str:
    return (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp><Ref>{ogm}</Ref>"
            "</CdtrRefInf></Strd>")


def test_camt_import_matches_structured_and_free_text_ogm_once(world_a, world_b):
    order = world_a.extra["order"]
    ogm = order.payment_reference
    half = (order.total_to_pay / 2).quantize(Decimal("0.01"))
    rest = order.total_to_pay - half
    data = camt(camt_entry("E1", str(half), structured(ogm))
                + camt_entry("E2", str(rest), f"<Ustrd>bestelling +++{ogm[:3]}/{ogm[3:7]}/{ogm[7:]}+++</Ustrd>")
                + camt_entry("E3", "9.99", "<Ustrd>geen referentie</Ustrd>")
                + camt_entry("E4", "5.00", structured(ogm), credit=False)
                + camt_entry("E5", "3.00", structured(world_b.extra["order"].payment_reference)))
    fmt, entries = parse_statement(data)
    assert fmt == "camt053" and len(entries) == 5
    with scope(coop=world_a.coop):
        report = statement_import(entries=entries, source=fmt, coop=world_a.coop)
        assert report.orders == [(BankTransaction.objects.get(bank_reference="E1"), [order.number]),
                                 (BankTransaction.objects.get(bank_reference="E2"), [order.number])]
        # no reference, and coop B's order (not visible here); the debit is not a customer payment
        assert [tx.bank_reference for tx in report.unmatched] == ["E3", "E5"] and report.debits == 1
        order.refresh_from_db()
        assert order.payment_status == Order.PaymentStatus.PAID and order.paid_amount == order.total_to_pay
        again = statement_import(entries=parse_camt053(data), source=fmt, coop=world_a.coop)
        assert again.orders == again.matched == again.unmatched == [] and again.already_imported == 4
        assert Payment.objects.filter(order=order).count() == 2
        assert set(Payment.objects.filter(order=order).values_list("transaction__bank_reference", flat=True)) == {
            "E1", "E2"}
    with scope(coop=world_b.coop):
        assert Payment.objects.count() == 0


def test_coda_import_matches_the_structured_ogm(world_a):
    order = world_a.extra["order"]
    with scope(coop=world_a.coop):
        Order.objects.filter(pk=order.pk).update(payment_reference="269021157996", total_to_pay="817.56")
        report = statement_import(entries=parse_coda((DATA / "febelfin-coda-sample.txt").read_bytes()),
                                  source=Payment.Source.CODA, coop=world_a.coop)
        assert [(tx.amount, numbers) for tx, numbers in report.orders] == [(Decimal("817.56"), [order.number])]
        order.refresh_from_db()
        assert order.payment_status == Order.PaymentStatus.PAID


def test_partial_manual_payment_and_bad_files(world_a):
    order = world_a.extra["order"]
    with scope(coop=world_a.coop):
        payment_record(order_id=order.pk, amount="1.00", received_on=date(2026, 11, 20))
        order.refresh_from_db()
        assert order.payment_status == Order.PaymentStatus.PARTLY_PAID
    with pytest.raises(StatementError):
        parse_statement(b"hello")
    with pytest.raises(StatementError):
        parse_camt053(b"<not-camt/>")


def test_paid_then_changed_before_the_cutoff_the_rest_is_due_again(world_a):
    from orders.services.ordering import order_change_lines

    order = world_a.extra["order"]  # 2 units, paid in full
    with scope(coop=world_a.coop):
        payment_record(order_id=order.pk, amount=order.total_to_pay, received_on=date(2026, 11, 20))
        paid = order.total_to_pay
        order = order_change_lines(order_id=order.pk, lines=[{"offer": world_a.extra["offer"].pk, "quantity": 3}])
        order.refresh_from_db()
        assert order.payment_status == Order.PaymentStatus.PARTLY_PAID
        assert order.balance_due == order.total_to_pay - paid > 0
