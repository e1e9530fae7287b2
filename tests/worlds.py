"""Builders that add an app's objects to every test world, and how to fill URL keywords from them.

When you add a URL with a new keyword (e.g. `product_id`), register here how to get that object of a
world; the cross-tenant probe fails for a keyword it does not know, so no view can escape it.
"""


def build_catalog(world) -> None:
    from catalog.models import PriceGroup, PriceGroupMember
    from tests import factories

    coop = world.coop
    producer = factories.ProducerFactory(coop=coop, farm_name=f"Hoeve van {coop.slug}",
                                         membership__user__email=f"boer@{coop.slug}.example")
    product = factories.ProductFactory(coop=coop, producer=producer, name_nl=f"Geheime wortel {coop.slug}")
    account = factories.BusinessAccountFactory(coop=coop, name=f"Keuken {coop.slug}")
    group = PriceGroup.objects.create(coop=coop, code="keukens", name=f"Keukens {coop.slug}", margin_percent=10)
    PriceGroupMember.objects.create(coop=coop, price_group=group, account=account)
    world.extra.update(producer=producer, product=product, business_account=account, price_group=group,
                       category=product.category)
    world.extra.setdefault("private", []).append(account.name)


WORLD_BUILDERS: list = [build_catalog]

# keyword -> function(world) -> value, used to aim a URL at that world's object
URL_KWARG_FILLERS = {
    "member_id": lambda w: w.member.pk,
    "job_id": lambda w: w.job.pk,
    "token": lambda w: w.invitation.token,
    "producer_id": lambda w: w.extra["producer"].pk,
    "product_id": lambda w: w.extra["product"].pk,
    "price_group_id": lambda w: w.extra["price_group"].pk,
    "category_id": lambda w: w.extra["category"].pk,
    "business_account_id": lambda w: w.extra["business_account"].pk,
}


def build_orders(world) -> None:
    from orders.models import DeliveryZone
    from orders.services.ordering import Destination, order_place
    from tests import factories

    coop = world.coop
    cycle = factories.open_cycle(coop)
    offer = factories.offer_for(cycle, world.extra["product"], cap=50)
    slot = cycle.pickup_points.get()
    zone = DeliveryZone.objects.create(coop=coop, name=f"Zone {coop.slug}", postcodes=["3000"], fee="4.50",
                                       window_from="16:00", window_until="20:00")
    from django_scopes import scope

    with scope(coop=coop):
        order = order_place(customer=world.member, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 2}],
                            destination=Destination("pickup", pickup_id=slot.pk))
    world.extra.update(cycle=cycle, offer=offer, pickup_slot=slot, pickup_point=slot.pickup_point,
                       delivery_zone=zone, order=order)
    world.extra["private"].append(order.payment_reference)


WORLD_BUILDERS.append(build_orders)
URL_KWARG_FILLERS.update({
    "cycle_id": lambda w: w.extra["cycle"].pk,
    "offer_id": lambda w: w.extra["offer"].pk,
    "order_id": lambda w: w.extra["order"].pk,
    "pickup_point_id": lambda w: w.extra["pickup_point"].pk,
    "delivery_zone_id": lambda w: w.extra["delivery_zone"].pk,
})


def build_closed_cycle(world) -> None:
    """A second cycle, closed: purchase orders, packing data and documents exist in every world."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from django_scopes import scope

    from logistics.models import CycleDocument, PurchaseOrder
    from logistics.services.closing import cycle_close
    from orders.services.ordering import Destination, order_place
    from tests import factories

    coop = world.coop
    with scope(coop=coop):
        cycle = factories.open_cycle(coop, name=f"Gesloten {coop.slug}")
        offer = factories.offer_for(cycle, world.extra["product"])
        order = order_place(customer=world.member, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 1}],
                            destination=Destination("pickup", pickup_id=cycle.pickup_points.get().pk))
        type(cycle).objects.filter(pk=cycle.pk).update(cutoff_at=timezone.now() - timedelta(minutes=1))
        cycle_close(cycle_id=cycle.pk)
        document = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.PURCHASE_ORDER)
        document.file.save(f"po-{coop.slug}.pdf", ContentFile(b"%PDF-1.4 " + world.member.user.email.encode()))
        document.status = CycleDocument.Status.READY
        document.save()
    world.extra.update(closed_cycle=cycle, closed_order=order, closed_line=order.lines.get(), document=document,
                       purchase_order=PurchaseOrder.objects.get(cycle=cycle))


WORLD_BUILDERS.append(build_closed_cycle)
URL_KWARG_FILLERS.update({
    "purchase_order_id": lambda w: w.extra["purchase_order"].pk,
    "document_id": lambda w: w.extra["document"].pk,
    "order_line_id": lambda w: w.extra["closed_line"].pk,
})


def build_cycle_schedule(world) -> None:
    from orders.models import CycleSchedule

    world.extra["cycle_schedule"] = CycleSchedule.objects.create(
        coop=world.coop, name=f"Weekschema {world.coop.slug}", opens_weekday="mon", opens_time="08:00",
        cutoff_weekday="wed", cutoff_time="20:00", delivery_weekday="fri", weeks_ahead=2)


WORLD_BUILDERS.append(build_cycle_schedule)
URL_KWARG_FILLERS["cycle_schedule_id"] = lambda w: w.extra["cycle_schedule"].pk


def build_b2b(world) -> None:
    """A kitchen user, a standing order with a pause and a run, and a contract price for the world's account."""
    from datetime import date

    from catalog.models import ContractPrice
    from orders.models import StandingOrder, StandingOrderLine, StandingOrderPause, StandingOrderRun
    from tests import factories

    coop, account, product = world.coop, world.extra["business_account"], world.extra["product"]
    chef = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account,
                                       user__email=f"chef@{coop.slug}.example")
    standing = StandingOrder.objects.create(coop=coop, account=account, customer=chef, start_date=date(2026, 1, 1),
                                            name=f"Vaste bestelling {coop.slug}")
    StandingOrderLine.objects.create(coop=coop, standing_order=standing, product=product, quantity=2)
    pause = StandingOrderPause.objects.create(coop=coop, standing_order=standing, start=date(2026, 7, 1),
                                              end=date(2026, 8, 31), reason=f"Zomer {coop.slug}")
    run = StandingOrderRun.objects.create(coop=coop, standing_order=standing, cycle=world.extra["cycle"],
                                          status=StandingOrderRun.Status.FAILED, message=f"Mislukt {coop.slug}")
    contract = ContractPrice.objects.create(coop=coop, account=account, product=product, price="1.11",
                                            valid_from=date(2026, 1, 1))
    world.extra.update(chef=chef, standing_order=standing, standing_order_pause=pause, standing_order_run=run,
                       contract_price=contract)
    world.extra["private"] += [standing.name, pause.reason, run.message, chef.user.email]


WORLD_BUILDERS.append(build_b2b)
URL_KWARG_FILLERS.update({
    "standing_order_id": lambda w: w.extra["standing_order"].pk,
    "standing_order_pause_id": lambda w: w.extra["standing_order_pause"].pk,
    "standing_order_run_id": lambda w: w.extra["standing_order_run"].pk,
    "contract_price_id": lambda w: w.extra["contract_price"].pk,
})


def build_invoicing(world) -> None:
    """An issued business invoice in every world, over a delivered order in a cycle of its own."""
    from django_scopes import scope

    from invoicing.services.drafts import invoice_draft_for_orders
    from invoicing.services.issuing import invoice_issue
    from orders.models import Order
    from orders.services.ordering import Destination, order_place
    from tests import factories

    coop = world.coop
    with scope(coop=coop):
        buyer = factories.MembershipFactory(coop=coop, roles=["business"], user__email=f"keuken@{coop.slug}.example",
                                            business_account=world.extra["business_account"])
        cycle = factories.open_cycle(coop, name=f"Gefactureerd {coop.slug}")
        offer = factories.offer_for(cycle, world.extra["product"])
        order = order_place(customer=buyer, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 3}],
                            destination=Destination("business"), purchase_order_reference=f"PO-{coop.slug}-77")
        Order.objects.filter(pk=order.pk).update(status=Order.Status.DELIVERED)
        type(cycle).objects.filter(pk=cycle.pk).update(status="delivered")  # a past week, not an open one
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
    world.extra.update(invoice=invoice, invoice_buyer=buyer)
    # Numbers start at 1 in every coop, so the number itself is not a secret; the OGM and the PO are.
    world.extra["private"] += [invoice.payment_reference, invoice.order_reference, buyer.user.email]


WORLD_BUILDERS.append(build_invoicing)
URL_KWARG_FILLERS["invoice_id"] = lambda w: w.extra["invoice"].pk


def build_planning(world) -> None:
    """A vehicle, the admin as its driver, and a published run on the closed cycle with one route and stop."""
    from django.utils import timezone

    from logistics.models import DriverProfile, PlanningRun, Route, Stop, Vehicle

    coop, cycle = world.coop, world.extra["closed_cycle"]
    vehicle = Vehicle.objects.create(coop=coop, key="van", name=f"Geheime bestelwagen {coop.slug}", kind="van",
                                     capacity_kg=700, capacity_crates=40,
                                     availability=[{"day": "fri", "from": "06:00", "to": "14:00"}])
    DriverProfile.objects.create(coop=coop, membership=world.admin_membership, days=["fri"], usual_vehicle=vehicle)
    run = PlanningRun.objects.create(coop=coop, cycle=cycle, status=PlanningRun.Status.PUBLISHED,
                                     vehicle_ids=[vehicle.pk], published_at=timezone.now())
    route = Route.objects.create(coop=coop, run=run, vehicle=vehicle, vehicle_key=f"v{vehicle.pk}@fri",
                                 day=cycle.delivery_date, driver=world.admin_membership)
    stop = Stop.objects.create(coop=coop, run=run, route=route, sequence=1, task_key="deliver:pickup:1",
                               kind=Stop.Kind.DELIVER, name=f"Geheime halte {coop.slug}")
    world.extra.update(vehicle=vehicle, planning_run=run, route=route, stop=stop)
    world.extra["private"] += [vehicle.name, stop.name]


WORLD_BUILDERS.append(build_planning)
URL_KWARG_FILLERS.update({
    "vehicle_id": lambda w: w.extra["vehicle"].pk,
    "planning_run_id": lambda w: w.extra["planning_run"].pk,
    "route_id": lambda w: w.extra["route"].pk,
    "stop_id": lambda w: w.extra["stop"].pk,
})


def build_route_change(world) -> None:
    """The world's published route changed after publishing: a note its driver (the admin) has not seen."""
    from django.utils import timezone

    from logistics.models import RouteChange

    route = world.extra["route"]
    change = RouteChange.objects.create(coop=world.coop, run=route.run, driver=route.driver, day=route.day,
                                        revision=1, changed_at=timezone.now())
    world.extra.update(route_change=change)


WORLD_BUILDERS.append(build_route_change)
URL_KWARG_FILLERS["change_id"] = lambda w: w.extra["route_change"].pk


def build_stop_event(world) -> None:
    """Proof of delivery at the world's stop: a receiver's name, a signature and a photo only this coop may see."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from logistics.models import StopEvent

    coop, stop = world.coop, world.extra["stop"]
    secret = f"Geheime ontvanger {coop.slug}"
    event = StopEvent(coop=coop, stop=stop, client_id=f"probe-{coop.slug}", kind=StopEvent.Kind.DONE,
                      receiver_name=secret, note=f"Geheime notitie {coop.slug}", recorded_at=timezone.now(),
                      recorded_by=world.admin)
    event.signature.save("signature.png", ContentFile(b"\x89PNG\r\n\x1a\n" + secret.encode()), save=False)
    event.photo.save("photo.jpg", ContentFile(b"\xff\xd8\xff" + secret.encode()), save=False)
    event.save()
    world.extra["stop_event"] = event
    world.extra["private"] += [event.receiver_name, event.note]


WORLD_BUILDERS.append(build_stop_event)
URL_KWARG_FILLERS["stop_event_id"] = lambda w: w.extra["stop_event"].pk


def build_costs(world) -> None:
    """A cost of last month with a description only this coop may see."""
    from datetime import date

    from django_scopes import scope

    from invoicing.services.costs import cost_entry_create

    with scope(coop=world.coop):
        entry = cost_entry_create(coop=world.coop, month=date(2026, 1, 1), category="hub_rent", amount="950.00",
                                  description=f"Geheime huur {world.coop.slug}")
    world.extra["cost_entry"] = entry
    world.extra["private"].append(entry.description)


WORLD_BUILDERS.append(build_costs)
URL_KWARG_FILLERS["cost_entry_id"] = lambda w: w.extra["cost_entry"].pk


def build_billing(world) -> None:
    """An unmatched bank entry from a payer only this coop knows."""
    from datetime import date

    from invoicing.models import BankTransaction

    coop = world.coop
    tx = BankTransaction.objects.create(coop=coop, source="camt053", bank_reference=f"REF-{coop.slug}",
                                        booking_date=date(2026, 11, 20), amount="12.34",
                                        counterparty_name=f"Geheime betaler {coop.slug}",
                                        counterparty_iban="BE68539007547034", free_text=f"betaling {coop.slug}")
    world.extra.update(bank_transaction=tx)
    world.extra["private"] += [tx.counterparty_name]


WORLD_BUILDERS.append(build_billing)
URL_KWARG_FILLERS["transaction_id"] = lambda w: w.extra["bank_transaction"].pk


def build_settlements(world) -> None:
    """Last month's settlement of a farm, a contested line and a payment file, in every world."""
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scope

    from invoicing.settlements import contests
    from invoicing.settlements.issuing import settlement_issue
    from invoicing.settlements.payments import payment_batch_for_period
    from invoicing.settlements.policy import previous_month
    from tests.invoicing.settlement_world import deliver, make_farm

    coop = world.coop
    period = previous_month(timezone.localdate())
    farm = make_farm(coop, email=f"afrekening@{coop.slug}.example", consumer=world.member)
    deliver(farm, [("wortelen", "3", {"price": "1.85"})], on=period.start + timedelta(days=9))
    with scope(coop=coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=period)
        contest = contests.line_contest(membership=farm.producer.membership, settlement_id=settlement.pk,
                                        line_id=settlement.lines.get().pk, note=f"Geheime betwisting {coop.slug}")
        batch = payment_batch_for_period(coop=coop, period=period)
    world.extra.update(settlement=settlement, settlement_contest=contest, settlement_payment_batch=batch)
    world.extra["private"] += [contest.note, batch.message_id, farm.producer.membership.user.email]


WORLD_BUILDERS.append(build_settlements)
URL_KWARG_FILLERS.update({
    "settlement_id": lambda w: w.extra["settlement"].pk,
    "settlement_contest_id": lambda w: w.extra["settlement_contest"].pk,
    "settlement_payment_batch_id": lambda w: w.extra["settlement_payment_batch"].pk,
})
