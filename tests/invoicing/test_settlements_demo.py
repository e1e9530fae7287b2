"""The demo has last month's producer settlements for both coops; seeding again changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from invoicing.models import Invoice
from invoicing.settlements import demo
from invoicing.settlements.models import Settlement
from invoicing.settlements.policy import previous_month


def _settlements():
    with scopes_disabled():
        return sorted(Settlement.objects.values_list("coop__slug", "producer__key", "number", "document", "total"))


@pytest.mark.django_db
def test_demo_issues_last_months_settlements_once():
    call_command("seed_demo", verbosity=0)
    first = _settlements()
    period = previous_month(timezone.localdate())
    with scopes_disabled():
        assert {s.period_key for s in Settlement.objects.all()} == {period.key}
        for slug in ("hageland", "meetjesland"):
            documents = set(Settlement.objects.filter(coop__slug=slug).values_list("document", "statement_reason"))
            assert ("self_billing", "") in documents and ("statement", "no_agreement") in documents
        assert ("purchase_slip", "") in {(s[3], "") for s in first}
        invoices = Invoice.objects.filter(kind__in=["self_billing", "purchase_slip"]).count()
    assert all(total > 0 for *_rest, total in first)
    from coop.demo import data

    demo.seed(data.regions())
    assert _settlements() == first
    with scopes_disabled():
        assert Invoice.objects.filter(kind__in=["self_billing", "purchase_slip"]).count() == invoices
