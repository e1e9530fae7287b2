"""The demo's rounds: each coop gets its vehicles and driver from regions.json and a published plan for the seeded
closed cycle (households' orders and the kitchens' standing orders), which the independent check finds feasible.
(PDFs are not rendered here: only the packing data the plan is made from is built, as the cut-off would.)"""

import pytest
from django.db import transaction
from django_scopes import scope, scopes_disabled

from coop.demo import data
from coop.models import Cooperative
from logistics import demo_planning
from logistics.models import DriverProfile, PlanningRun, Route, Stop, Vehicle
from logistics.services.closing import cycle_build_documents
from logistics.services.planning import planning_run_check
from orders.models import Order, OrderCycle


@pytest.mark.django_db
def test_seeded_closed_cycles_get_a_published_feasible_plan():
    from coop.management.commands.seed_demo import _load
    from logistics.demo import hub_ensure

    region = data.regions()
    for dotted in ["coop.demo.people.seed", "coop.demo.producers.seed", "catalog.demo.seed", "orders.demo_b2b.seed",
                   "orders.demo.seed"]:
        _load(dotted)(region)
    with scopes_disabled():
        coops = {coop.slug: coop for coop in Cooperative.objects.all()}
    for spec in region["coops"]:
        coop = coops[spec["slug"]]
        with scope(coop=coop), transaction.atomic():
            hub_ensure(coop, spec["hub"])
            cycle = OrderCycle.objects.filter(status=OrderCycle.Status.CLOSED).order_by("-delivery_date").first()
            cycle_build_documents(OrderCycle.objects.select_for_update().get(pk=cycle.pk))
    demo_planning.seed(region)
    demo_planning.seed(region)  # idempotent
    for spec in region["coops"]:
        with scope(coop=coops[spec["slug"]]):
            assert sorted(Vehicle.objects.values_list("key", flat=True)) == sorted(v["key"] for v in spec["vehicles"])
            profile = DriverProfile.objects.select_related("membership__user").get()
            assert profile.membership.user.email == f"chauffeur@{spec['slug']}.example"
            (run,) = PlanningRun.objects.all()
            assert run.status == PlanningRun.Status.PUBLISHED and run.unassigned_count == 0
            report = planning_run_check(run_id=run.pk)
            assert report.feasible, report.violations
            assert Stop.objects.filter(run=run, kind=Stop.Kind.COLLECT).exists()
            assert Route.objects.filter(run=run, driver=profile.membership).exists()
            assert run.baseline_km > run.total_km
            # a real week: the kitchens' standing orders and some forty households, all delivered by the rounds
            kitchens = Stop.objects.filter(run=run, task_key__startswith="deliver:business:")
            assert kitchens.count() == 4 and not kitchens.filter(route__isnull=True).exists()
            assert Order.objects.filter(cycle=run.cycle, business_account__isnull=True).count() >= 30
            # vans with insulated boxes take chilled goods (Thursday's farms, Friday evening's homes)
            assert Vehicle.objects.filter(is_cooled=True).count() == len(spec["vehicles"])
