"""Settlement pages under /<coop>/settlements/: the fixer's period page (preview, issue, pay), contested lines,
the producer's own settlements with a contest form per line, PDFs and the pain.001 download. Thin: reads from
settlements.selectors, writes through the settlement services."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop.tenancy.access import has_coop_role, require_roles
from members.models import MANAGER_ROLES, Producer, Role

from . import contests, documents, selectors, terms
from .compute import producers_with_deliveries, settlement_compute
from .issuing import settlements_issue_period
from .models import Settlement, SettlementPaymentBatch, SettlementPeriod
from .payments import default_execution_date, payment_batch_for_period, payment_plan
from .policy import month_period, period_from_key, policy_for, previous_month

settlement_page = require_roles(Role.PRODUCER, *MANAGER_ROLES)
manager_page = require_roles(*MANAGER_ROLES)


def _period(request, source):
    key = source.get("period") or previous_month(timezone.localdate()).key
    try:
        return period_from_key(key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return previous_month(timezone.localdate())


def _period_choices(coop) -> list[tuple[str, str]]:
    """The last twelve months, or the last delivered cycles when the coop settles per cycle."""
    from orders.models import OrderCycle

    if policy_for(coop).period == SettlementPeriod.CYCLE:
        cycles = OrderCycle.objects.filter(delivery_date__lt=timezone.localdate()).order_by("-delivery_date")[:20]
        return [(f"cycle-{c.pk}", c.name) for c in cycles]
    today, choices = timezone.localdate(), []
    year, month = today.year, today.month
    for _n in range(12):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        period = month_period(year, month)
        choices.append((period.key, period.label))
    return choices


def _to_period(coop_slug, period):
    return redirect(reverse("settlement_period", kwargs={"coop_slug": coop_slug}) + f"?period={period.key}")


@manager_page
@require_GET
def settlement_period(request, coop_slug):
    period = _period(request, request.GET)
    issued = {s.producer_id: s for s in Settlement.objects.filter(period_key=period.key, kind="original")
              .select_related("invoice", "producer")}
    today = timezone.localdate()
    rows = []
    for producer in producers_with_deliveries(period):
        settlement = issued.pop(producer.pk, None)
        plan = None if settlement else settlement_compute(producer=producer, period=period, on=today)
        rows.append({"producer": producer, "settlement": settlement, "plan": plan})
    rows += [{"producer": s.producer, "settlement": s, "plan": None} for s in issued.values()]
    corrections = Settlement.objects.filter(period_key=period.key, kind="correction").select_related("invoice",
                                                                                                     "producer")
    return render(request, "invoicing/settlements/period.html", {
        "period": period, "choices": _period_choices(request.coop), "rows": rows, "corrections": corrections,
        "can_issue": period.end < today, "pending": any(r["settlement"] is None for r in rows),
        "payment": payment_plan(period), "batches": SettlementPaymentBatch.objects.filter(period_key=period.key),
        "execution_date": default_execution_date(request.coop, period),
        "open_contests": selectors.open_contests().count()})


@manager_page
@require_POST
def settlement_issue_period_view(request, coop_slug):
    period = _period(request, request.POST)
    issued, errors = settlements_issue_period(period=period, created_by=request.user)
    if issued:
        messages.success(request, _("%(count)s settlements are issued for %(period)s; the producers get them by "
                                    "e-mail.") % {"count": len(issued), "period": period.label})
    for producer, error in errors.items():
        messages.error(request, f"{producer}: {error}")
    return _to_period(coop_slug, period)


@manager_page
@require_POST
def settlement_pay_view(request, coop_slug):
    period = _period(request, request.POST)
    try:
        execution = date.fromisoformat(request.POST.get("execution_date") or "") \
            if request.POST.get("execution_date") else None
        batch = payment_batch_for_period(coop=request.coop, period=period, execution_date=execution,
                                         created_by=request.user)
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("Enter the date as YYYY-MM-DD.")])))
    else:
        messages.success(request, _("Payment file %(id)s: %(count)s transfers, € %(total)s. Download it and upload "
                                    "it to the bank.") % {"id": batch.message_id, "count": batch.transactions,
                                                          "total": batch.total})
    return _to_period(coop_slug, period)


@manager_page
@require_GET
def payment_batch_download(request, coop_slug, settlement_payment_batch_id):
    batch = get_object_or_404(SettlementPaymentBatch, pk=settlement_payment_batch_id)
    response = HttpResponse(batch.xml.encode("utf-8"), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pain001-{batch.period_key}-{batch.pk}.xml"'
    return response


@settlement_page
@require_GET
def my_settlements(request, coop_slug):
    settlements = selectors.settlements_visible_to(request.membership, own_only=True).order_by("-issue_date", "-pk")
    page = Paginator(settlements, 50).get_page(request.GET.get("page"))
    return render(request, "invoicing/settlements/mine.html", {"page": page})


def _settlement_or_404(request, settlement_id: int) -> Settlement:
    settlement = selectors.settlement_with_parts(request.membership, settlement_id)
    if settlement is None:
        raise Http404(_("Not found."))
    return settlement


def _detail(request, settlement: Settlement, status: int = 200):
    producer = selectors.own_producer(request.membership)
    is_own = producer is not None and producer.pk == settlement.producer_id
    contested = {}
    for contest in sorted(settlement.contests.all(), key=lambda c: c.created_at):
        contested[contest.line_id] = contest  # the latest answer per line
    lines = list(settlement.lines.all())
    for line in lines:
        line.contest = contested.get(line.pk)
    return render(request, "invoicing/settlements/detail.html", {
        "settlement": settlement, "is_own": is_own, "is_manager": has_coop_role(request, *MANAGER_ROLES),
        "can_contest": is_own and timezone.localdate() <= settlement.contest_until, "lines": lines,
        "mentions": documents.legal_mentions(settlement), "rates": documents.rate_rows(settlement),
        "title": documents.title(settlement)}, status=status)


@settlement_page
@require_GET
def settlement_detail(request, coop_slug, settlement_id):
    return _detail(request, _settlement_or_404(request, settlement_id))


@settlement_page
@require_GET
def settlement_pdf(request, coop_slug, settlement_id):
    settlement = _settlement_or_404(request, settlement_id)
    document = documents.settlement_render_pdf(settlement_id=settlement.pk)  # usually rendered by the worker
    return FileResponse(document.file.open("rb"), content_type="application/pdf",
                        filename=f"{settlement.legal_number}.pdf")


@settlement_page
@require_POST
def settlement_contest(request, coop_slug, settlement_id):
    settlement = _settlement_or_404(request, settlement_id)
    try:
        line_id = int(request.POST.get("line_id") or 0)
        contests.line_contest(membership=request.membership, settlement_id=settlement.pk, line_id=line_id,
                              note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail(request, settlement, status=400)
    except ValueError:
        messages.error(request, _("Choose a line of this settlement."))
        return _detail(request, settlement, status=400)
    messages.success(request, _("Thank you: the coop will look at this line and answer you."))
    return redirect("settlement_detail", coop_slug=coop_slug, settlement_id=settlement.pk)


@manager_page
@require_GET
def contest_list(request, coop_slug):
    return render(request, "invoicing/settlements/contests.html", {"contests": selectors.open_contests()})


@manager_page
@require_POST
def contest_resolve(request, coop_slug, settlement_contest_id):
    contest = get_object_or_404(selectors.open_contests(), pk=settlement_contest_id)
    try:
        if request.POST.get("action") == "correct":
            correction = contests.contest_correct(
                contest_id=contest.pk, quantity=request.POST.get("quantity"),
                unit_price=request.POST.get("unit_price"), resolution=request.POST.get("resolution", ""),
                user=request.user)
            messages.success(request, _("Correction %(number)s is issued.") % {"number": correction.legal_number})
        else:
            contests.contest_reject(contest_id=contest.pk, resolution=request.POST.get("resolution", ""),
                                    user=request.user)
            messages.success(request, _("The producer gets your answer on their settlement page."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "invoicing/settlements/contests.html",
                      {"contests": selectors.open_contests()}, status=400)
    return redirect("settlement_contest_list", coop_slug=coop_slug)


@manager_page
@require_http_methods(["GET", "POST"])
def settlement_terms(request, coop_slug):
    """The coop's settlement rules and, per producer, the self-billing agreement and own fees."""
    status = 200
    if request.method == "POST":
        try:
            terms.policy_update(coop=request.coop, period=request.POST.get("period", ""),
                                fee_percent=request.POST.get("fee_percent"),
                                fee_per_unit=request.POST.get("fee_per_unit"),
                                contest_days=request.POST.get("contest_days"),
                                payment_days=request.POST.get("payment_days"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("The settlement rules are saved."))
            return redirect("settlement_terms", coop_slug=coop_slug)
    return _terms_page(request, status)


@manager_page
@require_POST
def producer_terms(request, coop_slug, producer_id):
    producer = get_object_or_404(Producer, pk=producer_id)
    try:
        terms.terms_update(producer=producer, agreed_on=request.POST.get("self_billing_agreed_on"),
                           fee_percent=request.POST.get("fee_percent"), fee_per_unit=request.POST.get("fee_per_unit"),
                           bic=request.POST.get("bic", ""))
    except ValidationError as exc:
        messages.error(request, f"{producer.farm_name}: {' '.join(exc.messages)}")
        return _terms_page(request, 400)
    messages.success(request, _("%(farm)s: saved.") % {"farm": producer.farm_name})
    return redirect("settlement_terms", coop_slug=coop_slug)


def _terms_page(request, status: int):
    producers = Producer.objects.select_related("settlement_terms").order_by("farm_name")
    return render(request, "invoicing/settlements/terms.html", {
        "policy": policy_for(request.coop), "periods": SettlementPeriod.choices, "producers": producers,
        "today": timezone.localdate()}, status=status)
