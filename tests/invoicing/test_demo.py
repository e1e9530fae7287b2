"""The demo invoices last month for both coops: the kitchens monthly (one invoice per kitchen over its
deliveries), some consumers on request, one kitchen paid; seeding again adds nothing."""

import pytest
from django_scopes import scope, scopes_disabled

from coop.demo import data
from coop.models import Cooperative
from invoicing import demo
from invoicing.models import BankTransaction, Invoice, InvoiceOrder
from invoicing.selectors_billing import payment_status, with_payment_state
from invoicing.services.calendar import month_end, previous_month
from orders.models import Order


@pytest.mark.django_db
def test_last_month_is_delivered_and_invoiced_once():
    from django.utils import timezone

    from coop.management.commands.seed_demo import _load

    region = data.regions()
    for dotted in ["coop.demo.people.seed", "coop.demo.producers.seed", "catalog.demo.seed",
                   "orders.demo_b2b.seed"]:
        _load(dotted)(region)
    demo.seed(region)
    with scopes_disabled():
        first = (Invoice.objects.count(), InvoiceOrder.objects.count(), BankTransaction.objects.count())
    demo.seed(region)  # idempotent
    with scopes_disabled():
        assert (Invoice.objects.count(), InvoiceOrder.objects.count(), BankTransaction.objects.count()) == first
        coops = list(Cooperative.objects.filter(slug__in=[c["slug"] for c in region["coops"]]))
    period = previous_month(timezone.localdate())
    assert len(coops) == 2
    for coop in coops:
        with scope(coop=coop):
            delivered = Order.objects.filter(status=Order.Status.DELIVERED,
                                             cycle__delivery_date__range=(period, month_end(period)))
            kitchens = set(delivered.filter(business_account__isnull=False).values_list("business_account", flat=True))
            business = list(with_payment_state(Invoice.objects.filter(business_account__isnull=False)))
            assert kitchens and sorted(i.business_account_id for i in business) == sorted(kitchens)
            assert all(i.is_issued and i.number.startswith("B") for i in business)
            # every kitchen order of the month is on its kitchen's invoice
            assert not delivered.filter(business_account__isnull=False).exclude(
                invoice_links__invoice__kind="invoice").exists()
            assert Invoice.objects.filter(series="consumer").exists()
            assert sorted(payment_status(i) for i in business).count("paid") == 1
