"""After issuing: contests before/after the deadline and their corrections, the PDF and e-mail (once), and the
SEPA pain.001 file that pays the producers of a period (validated against its ISO 20022 XSD)."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope
from lxml import etree
from pypdf import PdfReader

from invoicing.models import Invoice, Series
from invoicing.settlements import contests, documents
from invoicing.settlements.issuing import settlement_issue
from invoicing.settlements.models import Settlement, SettlementContest, SettlementPayment
from invoicing.settlements.payments import payment_batch_for_period
from invoicing.settlements.policy import month_period
from members.models import Producer

from .settlement_world import deliver, make_farm

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)
ISSUED_ON = date(2026, 11, 3)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def _issued(farm, lines=(("wortelen", "10", {"price": "1.85"}),), **kwargs):
    deliver(farm, list(lines), on=date(2026, 10, 9))
    with scope(coop=farm.coop):
        return settlement_issue(producer_id=farm.producer.pk, period=OCTOBER, issue_date=ISSUED_ON, **kwargs)


def _goods_line(settlement):
    with scope(coop=settlement.coop):
        return settlement.lines.filter(kind="goods").first()


# --- contests -----------------------------------------------------------------------------------------------

def test_producer_contests_before_the_deadline_and_not_after():
    farm = make_farm(contest_days=7)
    settlement = _issued(farm)
    line = _goods_line(settlement)
    membership = farm.producer.membership
    assert settlement.contest_until == ISSUED_ON + timedelta(days=7)
    with scope(coop=farm.coop), translation.override("en"):  # the messages' wording is checked in English
        with pytest.raises(ValidationError, match="deadline"):
            contests.line_contest(membership=membership, settlement_id=settlement.pk, line_id=line.pk,
                                  note="Ik bracht 12 kg", today=settlement.contest_until + timedelta(days=1))
        contest = contests.line_contest(membership=membership, settlement_id=settlement.pk, line_id=line.pk,
                                        note="Ik bracht 12 kg", today=settlement.contest_until)
        assert contest.status == SettlementContest.Status.OPEN
        with pytest.raises(ValidationError, match="already contested"):
            contests.line_contest(membership=membership, settlement_id=settlement.pk, line_id=line.pk,
                                  note="nog eens", today=settlement.contest_until)


def test_only_the_producer_contests_their_own_settlement():
    farm = make_farm()
    other = make_farm(farm.coop)
    settlement = _issued(farm)
    with scope(coop=farm.coop), translation.override("en"), pytest.raises(ValidationError, match="Only the producer"):
        contests.line_contest(membership=other.producer.membership, settlement_id=settlement.pk,
                              line_id=_goods_line(settlement).pk, note="niet van mij", today=ISSUED_ON)


def test_a_lower_quantity_is_corrected_by_a_credit_note_in_the_producers_series():
    farm = make_farm(fee_percent="10")
    settlement = _issued(farm)  # 10 kg x 1.85 = 18.50, fee 1.85, net 16.65, VAT 1.00
    line = _goods_line(settlement)
    with scope(coop=farm.coop):
        contest = contests.line_contest(membership=farm.producer.membership, settlement_id=settlement.pk,
                                        line_id=line.pk, note="weegfout", today=ISSUED_ON)
        correction = contests.contest_correct(contest_id=contest.pk, quantity="8", unit_price="", resolution="ok",
                                              user=None, issue_date=ISSUED_ON + timedelta(days=2))
        # -2 kg x 1.85 = -3.70; fee back 0.37; net -3.33; VAT 6 % -0.20
        assert (correction.goods_net, correction.fees, correction.net, correction.vat) == (
            Decimal("-3.70"), Decimal("-0.37"), Decimal("-3.33"), Decimal("-0.20"))
        assert correction.kind == Settlement.Kind.CORRECTION and correction.corrects == settlement
        credit = correction.invoice
        assert credit.kind == Invoice.Kind.CREDIT_NOTE and credit.credited_invoice == settlement.invoice
        assert credit.series == Series.self_billing(farm.producer.pk)
        assert credit.number == f"SB{farm.producer.pk}-2026-000002"  # the same gapless series
        assert (credit.total_net, credit.total_vat) == (Decimal("3.33"), Decimal("0.20"))
        # the original is untouched; the period's total is what the producer is now owed
        settlement.refresh_from_db()
        assert settlement.total == Decimal("17.65")
        assert settlement.total + correction.total == Decimal("14.12")  # 8 x 1.85 = 14.80 - 1.48 + 0.80 (0.7992)
        assert SettlementContest.objects.get(pk=contest.pk).status == SettlementContest.Status.CORRECTED


def test_a_higher_price_gives_an_additional_purchase_slip_and_a_rejection_changes_nothing():
    farm = make_farm(vat_status=Producer.VatStatus.FLAT_RATE, agreed_on=None)
    settlement = _issued(farm, lines=[("wortelen", "10", {"price": "1.85"}), ("eieren", "2", {"price": "3.00"})])
    with scope(coop=farm.coop):
        eggs, carrots = settlement.lines.filter(kind="goods").order_by("description")
        first = contests.line_contest(membership=farm.producer.membership, settlement_id=settlement.pk,
                                      line_id=carrots.pk, note="prijs was 2,05", today=ISSUED_ON)
        correction = contests.contest_correct(contest_id=first.pk, quantity="", unit_price="2,05", resolution="",
                                              user=None, issue_date=ISSUED_ON)
        assert correction.net == Decimal("2.00") and correction.compensation == Decimal("0.12")
        assert correction.invoice.kind == Invoice.Kind.PURCHASE_SLIP
        assert correction.invoice.number == "AB2026-000002"
        second = contests.line_contest(membership=farm.producer.membership, settlement_id=settlement.pk,
                                       line_id=eggs.pk, note="er waren er 3", today=ISSUED_ON)
        with pytest.raises(ValidationError):
            contests.contest_reject(contest_id=second.pk, resolution="", user=None)
        rejected = contests.contest_reject(contest_id=second.pk, resolution="Er zijn er 2 geleverd.", user=None)
        assert rejected.status == SettlementContest.Status.REJECTED and rejected.correction is None
        assert Settlement.objects.count() == 2


# --- PDF and e-mail -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("vat_status", "agreed_on", "language", "expected"), [
    (Producer.VatStatus.NORMAL, date(2026, 1, 1), "nl", ["Autofacturatie", "SB"]),
    (Producer.VatStatus.FLAT_RATE, None, "fr", ["Compensation forfaitaire 6 %", "AB2026-000001"]),
    (Producer.VatStatus.SMALL_BUSINESS, None, "nl", ["Bijzondere vrijstellingsregeling kleine ondernemingen"]),
    (Producer.VatStatus.NORMAL, None, "en", ["there is no self-billing agreement"]),
])
def test_pdf_carries_the_mention_in_the_producers_language(vat_status, agreed_on, language, expected):
    farm = make_farm(vat_status=vat_status, agreed_on=agreed_on, language=language)
    settlement = _issued(farm)
    with scope(coop=farm.coop):
        document = documents.settlement_render_pdf(settlement_id=settlement.pk)
        again = documents.settlement_render_pdf(settlement_id=settlement.pk)
        text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(document.file.read())).pages)
    assert again.pk == document.pk
    assert settlement.legal_number in text and ("18,50" in text or "18.50" in text)
    for snippet in expected:
        assert snippet in text


def test_the_producer_is_mailed_once_with_the_pdf():
    farm = make_farm()
    settlement = _issued(farm)
    with scope(coop=farm.coop):
        assert documents.settlement_email(settlement_id=settlement.pk) == "no-pdf"
        documents.settlement_render_pdf(settlement_id=settlement.pk)
        assert documents.settlement_email(settlement_id=settlement.pk) == "sent"
        assert documents.settlement_email(settlement_id=settlement.pk) == "already-sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [farm.producer.membership.user.email]
    assert message.attachments[0][0] == f"{settlement.legal_number}.pdf"
    assert f"/settlements/{settlement.pk}/" in message.body


# --- SEPA pain.001 --------------------------------------------------------------------------------------------

def _xsd():
    import sepaxml

    path = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.09.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def test_pain001_pays_every_producer_of_the_period_and_validates_against_the_xsd():
    first = make_farm(fee_percent="10")
    second = make_farm(first.coop, vat_status=Producer.VatStatus.FLAT_RATE, agreed_on=None,
                       iban="BE62 5100 0754 7061")
    no_iban = make_farm(first.coop, iban="")
    one = _issued(first)
    two = _issued(second, lines=[("eieren", "12", {"price": "3.15"})])
    _issued(no_iban)
    with scope(coop=first.coop):
        batch = payment_batch_for_period(coop=first.coop, period=OCTOBER, execution_date=date.today())
        again = payment_batch_for_period(coop=first.coop, period=OCTOBER, execution_date=date.today())
        paid = set(SettlementPayment.objects.values_list("settlement_id", flat=True))
    assert again.pk == batch.pk  # nothing new to pay: the same file, the same message id
    assert paid == {one.pk, two.pk}
    document = etree.fromstring(batch.xml.encode("utf-8"))
    schema = _xsd()
    assert schema.validate(document), schema.error_log
    transfers = document.findall(".//p:CdtTrfTxInf", NS)
    amounts = {t.findtext("p:Cdtr/p:Nm", namespaces=NS): Decimal(t.findtext("p:Amt/p:InstdAmt", namespaces=NS))
               for t in transfers}
    assert amounts == {first.producer.farm_name: one.total, second.producer.farm_name: two.total}
    assert Decimal(document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS)) == one.total + two.total
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert document.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == first.coop.iban.replace(" ", "")
    assert {t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) for t in transfers} == {
        "BE71096123456769", "BE62510007547061"}
    assert batch.total == one.total + two.total and batch.message_id


def test_a_broken_pain001_fails_the_xsd():
    farm = make_farm()
    _issued(farm)
    with scope(coop=farm.coop):
        batch = payment_batch_for_period(coop=farm.coop, period=OCTOBER, execution_date=date.today())
    document = etree.fromstring(batch.xml.encode("utf-8"))
    amount = document.find(".//p:InstdAmt", NS)
    amount.getparent().remove(amount)
    assert not _xsd().validate(document)


def test_a_correction_after_payment_is_paid_in_the_next_file_and_nothing_twice():
    farm = make_farm()
    settlement = _issued(farm)
    with scope(coop=farm.coop):
        first = payment_batch_for_period(coop=farm.coop, period=OCTOBER, execution_date=date.today())
        contest = contests.line_contest(membership=farm.producer.membership, settlement_id=settlement.pk,
                                        line_id=_goods_line(settlement).pk, note="12 kg", today=ISSUED_ON)
        correction = contests.contest_correct(contest_id=contest.pk, quantity="12", unit_price="", resolution="",
                                              user=None, issue_date=ISSUED_ON)
        second = payment_batch_for_period(coop=farm.coop, period=OCTOBER, execution_date=date.today())
    assert second.pk != first.pk and second.total == correction.total == Decimal("3.92")  # 2 x 1.85 + 6 %
    assert first.total == settlement.total
