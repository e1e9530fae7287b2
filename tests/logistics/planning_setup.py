"""A closed week to plan rounds for: a hub near Leuven, a farm that must be collected (chilled goods) the day
before delivery, a farm that brings its goods, a pickup point, a kitchen with a morning window that needs
cooling, and a home delivery; a cooled van (two shifts), a plain van and drivers. Real services all the way:
orders are placed with order_place and the cycle is closed with cycle_close."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from logistics.models import DriverProfile, Hub, Vehicle
from logistics.services.closing import cycle_close
from orders.models import DeliveryZone
from orders.services.ordering import Destination, order_place
from tests import factories

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HUB = ("50.88973", "4.85503")  # Lubbeek
FARM_COLLECTED = ("50.92370", "4.75374")  # Holsbeek
FARM_BRINGS = ("50.80700", "4.93800")  # Tienen
KITCHEN = ("50.88958", "4.73134")  # Kessel-Lo


def at(day, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return timezone.make_aware(datetime.combine(day, time(int(hours), int(minutes))))


def hub_for(coop, windows) -> Hub:
    return Hub.objects.create(coop=coop, name=f"Hub {coop.slug}", postcode="3210", city="Lubbeek",
                              latitude=HUB[0], longitude=HUB[1], receiving_windows=windows)


def producer(coop, name, where, *, mode, day, earliest, latest, postcode="3220"):
    return factories.ProducerFactory(coop=coop, farm_name=name, latitude=where[0], longitude=where[1],
                                     postcode=postcode, delivery_mode=mode, delivery_days=[day],
                                     delivery_earliest=earliest, delivery_latest=latest)


def consumer(coop, email):
    return factories.MembershipFactory(coop=coop, roles=["consumer"], user__email=email)


def kitchen(coop, *, window=("07:00", "09:00")):
    account = factories.BusinessAccountFactory(
        coop=coop, name=f"Schoolkeuken {coop.slug}", street="Diestsesteenweg 1", postcode="3010", city="Kessel-Lo",
        latitude=KITCHEN[0], longitude=KITCHEN[1], delivery_from=window[0], delivery_until=window[1],
        cooled_delivery_required=True, service_minutes=15)
    chef = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account,
                                       user__email=f"chef@{coop.slug}.example")
    return account, chef


def close(cycle):
    type(cycle).objects.filter(pk=cycle.pk).update(cutoff_at=timezone.now() - timedelta(minutes=1))
    cycle_close(cycle_id=cycle.pk)
    cycle.refresh_from_db()
    return cycle


def closed_week(coop):
    """Returns a dict with the cycle and the people and things in it (inside no scope; enters its own)."""
    with scope(coop=coop):
        cycle = factories.open_cycle(coop, name=f"Planweek {coop.slug}")
        delivery = cycle.delivery_date
        day, before = WEEKDAYS[delivery.weekday()], WEEKDAYS[(delivery.weekday() - 1) % 7]
        hub = hub_for(coop, [{"day": before, "from": "13:00", "to": "19:00"},
                             {"day": day, "from": "05:30", "to": "09:30"}])
        slot = cycle.pickup_points.get()
        type(slot).objects.filter(pk=slot.pk).update(pickup_from=at(delivery, "14:00"),
                                                     pickup_until=at(delivery, "19:00"))
        dairy = producer(coop, "Zuivelhoeve", FARM_COLLECTED, mode="collected", day=before, earliest="13:00",
                         latest="17:00")
        grower = producer(coop, "Groentehof", FARM_BRINGS, mode="brings_to_hub", day=day, earliest="06:00",
                          latest="07:30", postcode="3300")
        cheese = factories.ProductFactory(coop=coop, producer=dairy, name_nl="Kaas", storage="chilled",
                                          est_weight_kg="1.000")
        carrots = factories.ProductFactory(coop=coop, producer=grower, name_nl="Wortelen", est_weight_kg="1.000")
        offers = {p: factories.offer_for(cycle, p) for p in (cheese, carrots)}
        DeliveryZone.objects.create(coop=coop, name="Kessel-Lo", postcodes=["3010"], window_from="16:00",
                                    window_until="20:00")
        account, chef = kitchen(coop)
        people = [consumer(coop, f"klant{n}@{coop.slug}.example") for n in range(3)]
        home = consumer(coop, f"thuis@{coop.slug}.example")
        orders = []
        for person in people:
            orders.append(order_place(customer=person, cycle_id=cycle.pk, destination=Destination(
                "pickup", pickup_id=slot.pk), lines=[{"offer": offers[cheese].pk, "quantity": 2},
                                                     {"offer": offers[carrots].pk, "quantity": 10}]))
        orders.append(order_place(customer=chef, cycle_id=cycle.pk, destination=Destination("business"),
                                  lines=[{"offer": offers[cheese].pk, "quantity": 30},
                                         {"offer": offers[carrots].pk, "quantity": 40}]))
        orders.append(order_place(customer=home, cycle_id=cycle.pk, destination=Destination(
            "delivery", street="Dorpsstraat 1", postcode="3010", city="Kessel-Lo"),
            lines=[{"offer": offers[carrots].pk, "quantity": 12}]))
        close(cycle)
        cooled = Vehicle.objects.create(
            coop=coop, key="koelwagen", name="Koelbestelwagen", kind="van_cooled", capacity_kg=Decimal("1000"),
            capacity_crates=60, is_cooled=True, cost_per_km="0.35", cost_per_hour="32", fixed_cost_per_day="35",
            home_hub=hub, max_duration_hours=8, availability=[{"day": before, "from": "12:30", "to": "18:30"},
                                                              {"day": day, "from": "06:00", "to": "14:30"}])
        plain = Vehicle.objects.create(
            coop=coop, key="bestelwagen", name="Bestelwagen", kind="van", capacity_kg=Decimal("700"),
            capacity_crates=40, cost_per_km="0.28", cost_per_hour="32", fixed_cost_per_day="25", home_hub=hub,
            max_duration_hours=8, availability=[{"day": day, "from": "12:30", "to": "20:30"}])
        drivers = []
        for n, vehicle in enumerate((cooled, plain)):
            member = factories.MembershipFactory(coop=coop, roles=["driver"],
                                                 user__email=f"chauffeur{n}@{coop.slug}.example")
            DriverProfile.objects.create(coop=coop, membership=member, days=[before, day], usual_vehicle=vehicle)
            drivers.append(member)
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"], user__email=f"fixer@{coop.slug}.example")
    return {"cycle": cycle, "hub": hub, "dairy": dairy, "grower": grower, "account": account, "chef": chef,
            "people": people, "home": home, "orders": orders, "cooled": cooled, "plain": plain, "drivers": drivers,
            "fixer": fixer, "day": day, "before": before}


def plan(cycle, *, budget=2, solution_limit=60, **kwargs):
    """Create and solve a run in place (no worker), short and reproducible."""
    from logistics.services.planning import planning_run_create, planning_run_execute

    run = planning_run_create(cycle=cycle, time_budget=budget, **kwargs)
    return planning_run_execute(run_id=run.pk, solution_limit=solution_limit)


def published_week(coop) -> dict:
    """closed_week with a returnable crate, planned and published (no e-mails): a driver's delivery morning.
    "run" and "kitchen" (the school kitchen's stop, with its route and driver) are added."""
    from catalog.models import DepositItem
    from logistics.models import Stop
    from logistics.services.planning import planning_run_publish

    week = closed_week(coop)
    with scope(coop=coop):
        if not DepositItem.objects.filter(code="veg_crate").exists():
            factories.deposit_item(coop, code="veg_crate", kind="crate", value="3.00")
        run = plan(week["cycle"])
        planning_run_publish(run_id=run.pk, notify=False)
        kitchen = Stop.objects.select_related("route__driver__user").get(
            run=run, load__orders__0__customer_id=week["chef"].pk)
    return {**week, "coop": coop, "run": run, "kitchen": kitchen}
