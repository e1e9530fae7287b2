"""End-to-end: a fixer at the hub, on a phone, weighs cheese line by line (htmx answers inline, a typo shows its
error in place), then looks at the cycle's dashboard. Screenshots go to test-artifacts/.
"""

import pytest
from django_scopes import scope, scopes_disabled

from logistics.services.closing import cycle_close
from orders.models import OrderLine
from orders.services.ordering import Destination, order_place
from tests import factories
from tests.e2e.support import PHONE, artifact, login


@pytest.fixture
def hub(transactional_db):
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="hubproef", name="Coöperatie Hubproef")
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"], user__email="fixer@hubproef.example")
        producer = factories.ProducerFactory(coop=coop, farm_name="Kaasmakerij Het Veld")
        cheese = factories.ProductFactory(coop=coop, producer=producer, name_nl="Hoevekaas", price="16.00",
                                          price_unit="kg", is_weighed=True, est_weight_kg="0.500")
        cycle = factories.open_cycle(coop, name="Week hubproef")
        offer = factories.offer_for(cycle, cheese)
    with scope(coop=coop):
        slot = cycle.pickup_points.get()
        for n in range(2):
            buyer = factories.MembershipFactory(coop=coop, user__first_name="Klant", user__last_name=f"Nr{n}")
            order_place(customer=buyer, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 2}],
                        destination=Destination("pickup", pickup_id=slot.pk))
        cycle_close(cycle_id=cycle.pk)
        lines = list(OrderLine.objects.filter(order__cycle=cycle).order_by("pk"))
    return {"coop": coop, "user": fixer.user, "cycle": cycle, "lines": lines}


def test_fixer_weighs_on_a_phone_and_sees_the_dashboard(chromium, hub):
    coop, cycle, (first, second) = hub["coop"], hub["cycle"], hub["lines"]
    with chromium(viewport=PHONE) as page:
        weights = f"/{coop.slug}/hub/cycles/{cycle.pk}/weights/"
        login(page, hub["user"], weights)

        page.fill(f"#kg-{first.pk}", "1,130")
        page.press(f"#kg-{first.pk}", "Enter")  # htmx posts the form and swaps the line in place
        page.wait_for_selector(f"#line-{first.pk}.saved")
        assert "23,96" in page.inner_text(f"#line-{first.pk}")
        assert page.url.endswith(weights)  # no page load: the answer came inline

        page.fill(f"#kg-{second.pk}", "veel")
        page.press(f"#kg-{second.pk}", "Enter")
        page.wait_for_selector(f"#line-{second.pk}.has-error")  # a 400 answer is swapped in too
        assert page.input_value(f"#kg-{second.pk}") == "veel"
        page.screenshot(path=artifact("hub-weights-phone.png"), full_page=True)

        page.goto(f"/{coop.slug}/hub/cycles/{cycle.pk}/")
        assert page.locator("svg.bar-chart rect").count() == 1
        page.screenshot(path=artifact("hub-cycle-phone.png"), full_page=True)
    first.refresh_from_db()
    assert str(first.weighed_quantity) == "1.130"
