"""Bank statements in, one neutral shape out: CAMT.053 (pycamt) and CODA (febelfin-coda).

Matching on the Belgian OGM: the structured reference first, then 12 digits with a valid mod-97 check
anywhere in the free text, as payers often type the OGM there (shared/domain/payments.md section 4).
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import coda
from pycamt.parser import Camt053Parser

from coop.payments import ogm_is_valid


class StatementError(ValueError):
    """The file is not a statement we can read."""


@dataclass(frozen=True)
class StatementEntry:
    reference: str  # the bank's own entry reference: importing twice must not count twice
    amount: Decimal  # always positive
    is_credit: bool
    booking_date: date
    structured: str = ""
    free_text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""

    @property
    def ogm(self) -> str:
        candidates = [re.sub(r"\D", "", self.structured)] if self.structured else []
        candidates += re.findall(r"(?<!\d)\d{12}(?!\d)", re.sub(r"[+*/ .-]", "", self.free_text or ""))
        return next((c for c in candidates if len(c) == 12 and ogm_is_valid(c)), "")


def parse_camt053(data: bytes) -> list[StatementEntry]:
    try:
        transactions = Camt053Parser(data).get_transactions()
    except Exception as exc:
        raise StatementError("not a readable CAMT.053 file") from exc
    entries = []
    for number, tx in enumerate(transactions):
        try:
            amount = Decimal(tx.get("Amount") or "0")
            booked = date.fromisoformat((tx.get("BookingDate") or tx.get("ValueDate") or "")[:10])
        except (InvalidOperation, ValueError) as exc:
            raise StatementError(f"entry {number + 1}: amount or booking date missing") from exc
        credit = tx.get("CreditDebitIndicator") == "CRDT"
        structured = tx.get("RemittanceInformation") if tx.get("AdditionalRemittanceInformation") is not None else ""
        entries.append(StatementEntry(
            reference=tx.get("TransactionID") or tx.get("EndToEndId") or f"{booked}:{number}:{amount}",
            amount=amount, is_credit=credit, booking_date=booked, structured=structured or "",
            free_text=tx.get("RemittanceInformationFull") or tx.get("RemittanceInformation") or "",
            counterparty_name=(tx.get("DebtorName") if credit else tx.get("CreditorName")) or "",
            counterparty_iban=(tx.get("DebtorIBAN") if credit else tx.get("CreditorIBAN")) or "",
        ))
    return entries


def parse_coda(data: bytes) -> list[StatementEntry]:
    try:
        statements = coda.CODA(io.StringIO(data.decode("windows-1252"))).statements
    except Exception as exc:
        raise StatementError("not a readable CODA file") from exc
    entries = []
    for statement in statements:
        for move in statement.moves:
            structured = move.communication if move.communication_type in ("101", "102") else ""
            entries.append(StatementEntry(
                reference=f"{move.bank_reference.strip()}:{move.sequence}{move.detail_sequence}",
                amount=abs(move.amount), is_credit=move.amount > 0,
                booking_date=move.entry_date or move.value_date, structured=structured or "",
                free_text="" if structured else (move.communication or ""),
                counterparty_name=(getattr(move, "counterparty_name", "") or "").strip(),
                counterparty_iban=(getattr(move, "counterparty_account", "") or "").strip(),
            ))
    return entries


def parse_statement(data: bytes) -> tuple[str, list[StatementEntry]]:
    """Detect the format: XML is CAMT.053, fixed-width records starting with '0' are CODA."""
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return "camt053", parse_camt053(data)
    if head[:1] == b"0":
        return "coda", parse_coda(data)
    raise StatementError("upload a CAMT.053 (XML) or CODA statement")
