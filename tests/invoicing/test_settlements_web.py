"""Settlement pages and API: a producer sees only their own settlements, fixers see all; the fixer previews,
issues and pays a period; contests through the page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from invoicing.settlements.issuing import settlement_issue
from invoicing.settlements.models import Settlement, SettlementContest, SettlementPaymentBatch
from invoicing.settlements.policy import previous_month
from tests import factories

from .settlement_world import deliver, make_farm

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_farms():
    period = previous_month(timezone.localdate())
    mine = make_farm()
    other = make_farm(mine.coop)
    for farm in (mine, other):
        deliver(farm, [("wortelen", "4", {"price": "1.85"}), ("cider", "2", {"price": "3.10"})],
                on=period.start + timedelta(days=4))
    with scopes_disabled():
        fixer = factories.MembershipFactory(coop=mine.coop, roles=["fixer"])
    return mine, other, fixer, period


def _issue(farm, period):
    with scope(coop=farm.coop):
        return settlement_issue(producer_id=farm.producer.pk, period=period)


def _page(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs))


def test_producer_sees_only_their_own_settlements_on_the_pages(client, two_farms):
    mine, other, _fixer, period = two_farms
    own, theirs = _issue(mine, period), _issue(other, period)
    user, slug = mine.producer.membership.user, mine.coop.slug
    listing = _page(client, user, "my_settlements", coop_slug=slug)
    assert listing.status_code == 200
    assert own.legal_number in listing.content.decode() and theirs.legal_number not in listing.content.decode()
    assert _page(client, user, "settlement_detail", coop_slug=slug, settlement_id=own.pk).status_code == 200
    assert _page(client, user, "settlement_detail", coop_slug=slug, settlement_id=theirs.pk).status_code == 404
    assert _page(client, user, "settlement_pdf", coop_slug=slug, settlement_id=theirs.pk).status_code == 404
    pdf = _page(client, user, "settlement_pdf", coop_slug=slug, settlement_id=own.pk)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # the fixer's pages are not for producers
    assert _page(client, user, "settlement_period", coop_slug=slug).status_code in (403, 404)
    assert _page(client, user, "settlement_contest_list", coop_slug=slug).status_code in (403, 404)


def test_producer_sees_only_their_own_settlements_in_the_api(client, two_farms):
    mine, other, fixer, period = two_farms
    own, theirs = _issue(mine, period), _issue(other, period)
    slug = mine.coop.slug
    client.force_login(mine.producer.membership.user)
    listing = client.get(f"/api/v1/{slug}/settlements/")
    assert listing.status_code == 200
    assert [s["id"] for s in listing.json()["results"]] == [own.pk]
    body = client.get(f"/api/v1/{slug}/settlements/{own.pk}/").json()
    assert body["legal_number"] == own.legal_number and body["total"] == str(own.total)
    assert body["lines"][0]["description"] in {"Wortelen", "Cider"}
    assert client.get(f"/api/v1/{slug}/settlements/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/{slug}/settlements/{theirs.pk}/pdf/").status_code == 404
    assert client.get(f"/api/v1/{slug}/settlement-payments/").status_code == 403
    client.force_login(fixer.user)
    assert {s["id"] for s in client.get(f"/api/v1/{slug}/settlements/").json()["results"]} == {own.pk, theirs.pk}
    # a consumer sees none
    with scopes_disabled():
        consumer = factories.MembershipFactory(coop=mine.coop)
    client.force_login(consumer.user)
    assert client.get(f"/api/v1/{slug}/settlements/").status_code == 403


def test_fixer_previews_issues_and_pays_a_period(client, two_farms):
    mine, other, fixer, period = two_farms
    slug = mine.coop.slug
    client.force_login(fixer.user)
    url = reverse("settlement_period", kwargs={"coop_slug": slug})
    preview = client.get(url, {"period": period.key})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert mine.producer.farm_name in page and other.producer.farm_name in page
    assert "De afrekeningen van deze periode uitreiken" in page  # the button, in the default language
    with scope(coop=mine.coop):
        assert not Settlement.objects.exists()
    issued = client.post(reverse("settlement_issue_period", kwargs={"coop_slug": slug}), {"period": period.key})
    assert issued.status_code == 302
    client.post(reverse("settlement_issue_period", kwargs={"coop_slug": slug}), {"period": period.key})
    with scope(coop=mine.coop):
        assert Settlement.objects.count() == 2  # twice posted, issued once
    paid = client.post(reverse("settlement_pay", kwargs={"coop_slug": slug}),
                       {"period": period.key, "execution_date": (date.today() + timedelta(days=2)).isoformat()})
    assert paid.status_code == 302
    with scope(coop=mine.coop):
        batch = SettlementPaymentBatch.objects.get()
    download = client.get(reverse("settlement_payment_download", kwargs={
        "coop_slug": slug, "settlement_payment_batch_id": batch.pk}))
    assert download.status_code == 200 and b"pain.001.001.09" in download.content
    api = client.post(f"/api/v1/{slug}/settlement-payments/", {"period": period.key}, content_type="application/json")
    assert api.status_code == 200 and api.json()["id"] == batch.pk  # nothing new to pay: the same file


def test_producer_contests_a_line_on_the_page_and_the_fixer_answers(client, two_farms):
    mine, _other, fixer, period = two_farms
    settlement = _issue(mine, period)
    with scope(coop=mine.coop):
        line = settlement.lines.filter(kind="goods").first()
    slug = mine.coop.slug
    client.force_login(mine.producer.membership.user)
    contest_url = reverse("settlement_contest", kwargs={"coop_slug": slug, "settlement_id": settlement.pk})
    assert client.post(contest_url, {"line_id": line.pk, "note": ""}).status_code == 400
    assert client.post(contest_url, {"line_id": line.pk, "note": "Er was 1 kg meer"}).status_code == 302
    with scope(coop=mine.coop):
        contest = SettlementContest.objects.get()
    client.force_login(fixer.user)
    listing = client.get(reverse("settlement_contest_list", kwargs={"coop_slug": slug}))
    assert "Er was 1 kg meer" in listing.content.decode()
    resolve = reverse("settlement_contest_resolve", kwargs={"coop_slug": slug, "settlement_contest_id": contest.pk})
    assert client.post(resolve, {"action": "correct", "quantity": "abc"}).status_code == 400
    assert client.post(resolve, {"action": "correct", "quantity": str(line.quantity + 1)}).status_code == 302
    with scope(coop=mine.coop):
        correction = Settlement.objects.get(kind="correction")
        assert correction.corrects_id == settlement.pk and correction.net > 0
    client.force_login(mine.producer.membership.user)
    detail = client.get(reverse("settlement_detail", kwargs={"coop_slug": slug, "settlement_id": settlement.pk}))
    assert "corrected" in detail.content.decode() or "gecorrigeerd" in detail.content.decode()


def test_fixer_records_the_agreement_and_fees_that_decide_the_document(client, two_farms):
    from invoicing.settlements.models import ProducerSettlementTerms, SettlementPolicy

    mine, _other, fixer, period = two_farms
    slug = mine.coop.slug
    client.force_login(mine.producer.membership.user)
    assert client.get(reverse("settlement_terms", kwargs={"coop_slug": slug})).status_code in (403, 404)
    client.force_login(fixer.user)
    page = client.get(reverse("settlement_terms", kwargs={"coop_slug": slug}))
    assert page.status_code == 200 and mine.producer.farm_name in page.content.decode()
    url = reverse("settlement_producer_terms", kwargs={"coop_slug": slug, "producer_id": mine.producer.pk})
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert client.post(url, {"self_billing_agreed_on": future}).status_code == 400
    assert client.post(url, {"self_billing_agreed_on": "", "fee_percent": "12,5", "bic": "GKCCBEBB"}).status_code == 302
    policy = {"period": "month", "fee_percent": "2", "fee_per_unit": "0", "contest_days": "10", "payment_days": "5"}
    assert client.post(reverse("settlement_terms", kwargs={"coop_slug": slug}), policy).status_code == 302
    assert client.post(reverse("settlement_terms", kwargs={"coop_slug": slug}),
                       {**policy, "fee_percent": "100"}).status_code == 400
    with scope(coop=mine.coop):
        terms = ProducerSettlementTerms.objects.get(producer=mine.producer)
        assert (terms.self_billing_agreed_on, str(terms.fee_percent), terms.bic) == (None, "12.50", "GKCCBEBB")
        assert SettlementPolicy.objects.get().contest_days == 10
    settlement = _issue(mine, period)
    assert (settlement.document, settlement.statement_reason) == ("statement", "no_agreement")
    assert settlement.fee_percent == Decimal("12.50")
    assert settlement.contest_until == settlement.issue_date + timedelta(days=10)


def test_settlement_list_api_does_not_grow_queries_per_settlement(client, two_farms,
                                                                                django_assert_max_num_queries):
    mine, other, fixer, period = two_farms
    extra = [make_farm(mine.coop) for _n in range(3)]
    for farm in extra:
        deliver(farm, [("eieren", "2", {"price": "3.00"})], on=period.start + timedelta(days=4))
    for farm in (mine, other, *extra):
        _issue(farm, period)
    client.force_login(fixer.user)
    with django_assert_max_num_queries(12):
        listing = client.get(f"/api/v1/{mine.coop.slug}/settlements/")
    assert len(listing.json()["results"]) == 5
