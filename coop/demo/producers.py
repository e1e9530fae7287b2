"""Producer profiles and business accounts of the demo (Catalogue and B2B issues)."""

from datetime import time

from django_scopes import scopes_disabled

from coop.models import Cooperative
from members.models import BusinessAccount, Membership, Producer

from .identifiers import fake_enterprise_number, fake_iban


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _farm_delivery(farm: dict, slug: str) -> dict:
    return farm.get("delivery_by_coop", {}).get(slug) or farm["delivery"]


def producer_ensure(coop: Cooperative, farm: dict, number: int) -> Producer:
    membership = Membership.objects.get(coop=coop, user__email=farm["seed_login"])
    delivery = _farm_delivery(farm, coop.slug)
    windows = delivery.get("windows", [])
    contact = farm["contact"]
    producer, _ = Producer.objects.get_or_create(
        coop=coop, key=farm["key"],
        defaults={
            "membership": membership,
            "farm_name": farm["name"],
            "description": farm.get("description_nl", ""),
            "postcode": farm["postcode"],
            "city": farm["municipality"],
            "latitude": farm["latitude"],
            "longitude": farm["longitude"],
            "enterprise_number": fake_enterprise_number(1000 + number),
            "vat_status": farm["vat_status"],
            "iban": fake_iban(1000 + number),
            "organic_control_body": farm.get("organic_control_body") or "",
            "contact_name": f"{contact['first_name']} {contact['last_name']}",
            "contact_email": farm["seed_login"],
            "delivery_mode": delivery["mode"],
            "delivery_days": sorted({w["day"] for w in windows}),
            "delivery_earliest": _hhmm(min(w["from"] for w in windows)) if windows else None,
            "delivery_latest": _hhmm(max(w["to"] for w in windows)) if windows else None,
            "service_minutes": delivery.get("service_minutes", 10),
        },
    )
    return producer


@scopes_disabled()
def seed(region: dict) -> None:
    coops = {c.slug: c for c in Cooperative.objects.all()}
    number = 0
    for spec in region["coops"]:
        coop = coops[spec["slug"]]
        for farm in spec["farms"]:
            number += 1
            producer_ensure(coop, farm, number)
        for n, kitchen in enumerate(spec["b2b_kitchens"], start=1):
            number += 1
            account, _ = BusinessAccount.objects.get_or_create(
                coop=coop, key=kitchen["key"],
                defaults={"name": kitchen["name"], "enterprise_number": fake_enterprise_number(2000 + number),
                          "vat_number": "BE" + fake_enterprise_number(2000 + number).replace(".", ""),
                          "invoice_email": f"keuken{n}@{coop.slug}.example",
                          "payment_terms_days": kitchen.get("payment_terms_days", 30)},
            )
            Membership.objects.filter(coop=coop, user__email=kitchen["seed_login"]).update(business_account=account)
    for farm in region.get("shared_farms", []):
        for slug in farm["member_of"]:
            number += 1
            producer_ensure(coops[slug], farm, number)
    multi = Membership.objects.filter(coop=coops["meetjesland"], user__email="multi@example.org").first()
    if multi and not Producer.objects.filter(membership=multi).exists():
        Producer.objects.create(
            coop=coops["meetjesland"], membership=multi, key="meetjesland-multi", farm_name="Moestuin Meervoud",
            description="Kleine moestuin met kruiden en bloemen.", postcode="9990", city="Maldegem",
            latitude="51.20720", longitude="3.44540", vat_status=Producer.VatStatus.SMALL_BUSINESS,
            contact_name="Mieke Meervoud", contact_email="multi@example.org",
            delivery_mode=Producer.DeliveryMode.BRINGS,
        )
