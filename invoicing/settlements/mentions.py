"""Legal mentions on settlement documents, in the document's language (shared/domain/vat.md section 6).

Kept as literal texts per language rather than translation strings: their wording is the legal mention and must
not drift with a translation pass. Wordings marked "not verified" in the domain notes are the ones used there;
the coop's accountant should confirm them once.
"""

from datetime import date
from decimal import Decimal

from coop.numbers import display

SELF_BILLING = {
    "nl": "Autofacturatie",
    "fr": "Autofacturation",
    "en": "Self-billing",
}
SELF_BILLING_BASIS = {
    "nl": ("Factuur uitgereikt door de afnemer in naam en voor rekening van de leverancier "
           "(art. 53, § 2 WBTW; KB nr. 1 art. 6), volgens het akkoord van {agreed}. Zonder bezwaar vóór {until} "
           "geldt deze factuur als aanvaard."),
    "fr": ("Facture émise par le client au nom et pour le compte du fournisseur (art. 53, § 2 CTVA ; AR n° 1 "
           "art. 6), selon l'accord du {agreed}. Sans objection avant le {until}, cette facture est réputée "
           "acceptée."),
    "en": ("Invoice issued by the customer in the name and on behalf of the supplier (art. 53 §2 VAT Code; "
           "Royal Decree no. 1 art. 6), under the agreement of {agreed}. Without objection by {until} this "
           "invoice is accepted."),
}
PURCHASE_SLIP = {
    "nl": ("Aankoopborderel – forfaitaire regeling voor landbouwondernemers (art. 57 WBTW, KB nr. 22). "
           "De landbouwer reikt geen factuur uit; de afnemer betaalt de forfaitaire compensatie."),
    "fr": ("Bordereau d'achat – régime forfaitaire agricole (art. 57 CTVA, AR n° 22). L'agriculteur n'émet pas "
           "de facture ; l'acheteur paie la compensation forfaitaire."),
    "en": ("Purchase slip – flat-rate scheme for farmers (art. 57 VAT Code, Royal Decree no. 22). The farmer "
           "issues no invoice; the buyer pays the flat-rate compensation."),
}
COMPENSATION = {
    "nl": "Forfaitaire compensatie {percent} %",
    "fr": "Compensation forfaitaire {percent} %",
    "en": "Flat-rate compensation {percent} %",
}
SMALL_BUSINESS = {
    "nl": "Bijzondere vrijstellingsregeling kleine ondernemingen",
    "fr": "Régime particulier de franchise des petites entreprises",
    "en": "Special exemption scheme for small enterprises",
}
SMALL_BUSINESS_STATEMENT = {
    "nl": ("Afrekening, geen factuur. Uw onderneming valt onder de vrijstellingsregeling (art. 56bis WBTW): "
           "factureer ons {total} zonder btw met de vermelding \u201c{mention}\u201d."),
    "fr": ("Décompte, pas une facture. Votre entreprise relève de la franchise (art. 56bis CTVA) : facturez-nous "
           "{total} sans TVA avec la mention \u00ab {mention} \u00bb."),
    "en": ("Statement, not an invoice. Your business is under the exemption scheme (art. 56bis VAT Code): "
           "invoice us {total} without VAT with the mention \u201c{mention}\u201d."),
}
NO_AGREEMENT_STATEMENT = {
    "nl": ("Afrekening, geen factuur: er is geen akkoord voor autofacturatie. Stuur ons uw factuur voor {total} "
           "(incl. btw) met verwijzing naar {number}."),
    "fr": ("Décompte, pas une facture : il n'y a pas d'accord d'autofacturation. Envoyez-nous votre facture de "
           "{total} (TVA comprise) en mentionnant {number}."),
    "en": ("Statement, not an invoice: there is no self-billing agreement. Please send us your invoice for "
           "{total} (incl. VAT) quoting {number}."),
}


def _pick(texts: dict, language: str) -> str:
    return texts.get(language) or texts["nl"]


def _date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _euro(amount: Decimal) -> str:
    return f"€ {amount:.2f}".replace(".", ",")


def self_billing(language: str, *, agreed: date, until: date) -> list[str]:
    return [_pick(SELF_BILLING, language),
            _pick(SELF_BILLING_BASIS, language).format(agreed=_date(agreed), until=_date(until))]


def purchase_slip(language: str, percents) -> list[str]:
    return [_pick(PURCHASE_SLIP, language)] + [
        compensation_label(language, p) for p in percents]


def small_business(language: str, *, total: Decimal) -> list[str]:
    mention = _pick(SMALL_BUSINESS, language)
    return [mention, _pick(SMALL_BUSINESS_STATEMENT, language).format(total=_euro(total), mention=mention)]


def no_agreement(language: str, *, total: Decimal, number: str) -> list[str]:
    return [_pick(NO_AGREEMENT_STATEMENT, language).format(total=_euro(total), number=number)]


def compensation_label(language: str, percent) -> str:
    language = language if language in COMPENSATION else "nl"  # as _pick falls back
    return COMPENSATION[language].format(percent=display(percent, language))  # 5,5 % in Dutch and French
