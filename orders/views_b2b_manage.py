"""The fixer's kitchen pages: overview (standing orders, runs needing attention, accounts and their volume),
retrying or closing a run, and an account's price group and contract prices."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import ContractPrice, PriceGroupMember
from coop.tenancy.access import require_roles
from members.models import MANAGER_ROLES, BusinessAccount
from orders import selectors_b2b as selectors
from orders.forms_b2b import ContractPriceForm, PriceGroupForm
from orders.models import StandingOrder, StandingOrderRun
from orders.services.b2b import account_set_price_group, contract_price_create, contract_price_end
from orders.services.standing import standing_order_run_resolve, standing_order_run_retry


@require_roles(*MANAGER_ROLES)
def overview(request, coop_slug):
    standing = selectors.with_next_placement(StandingOrder.objects.filter(is_active=True)
                                             .select_related("account", "customer__user"))
    context = {
        "attention": selectors.runs_needing_attention()[:50],
        "standing_orders": standing,
        "accounts": selectors.accounts_with_volume(),
    }
    return render(request, "orders/b2b/overview.html", context)


@require_roles(*MANAGER_ROLES)
@require_POST
def run_retry(request, coop_slug, standing_order_run_id):
    run = get_object_or_404(StandingOrderRun.objects.all(), pk=standing_order_run_id)
    if standing_order_run_retry(run=run, user=request.user):
        messages.success(request, _("The standing order will be placed again within a minute."))
    else:
        messages.error(request, _("Only a failed run can be retried."))
    return redirect("b2b_overview", coop_slug=coop_slug)


@require_roles(*MANAGER_ROLES)
@require_POST
def run_resolve(request, coop_slug, standing_order_run_id):
    run = get_object_or_404(StandingOrderRun.objects.all(), pk=standing_order_run_id)
    standing_order_run_resolve(run=run, user=request.user)
    messages.success(request, _("Marked as handled."))
    return redirect("b2b_overview", coop_slug=coop_slug)


def _prices_context(account, **forms):
    member = PriceGroupMember.objects.filter(account=account).select_related("price_group").first()
    return {
        "account": account,
        "group_form": forms.get("group_form") or PriceGroupForm(initial={"price_group": member.price_group
                                                                          if member else None}),
        "contract_form": forms.get("contract_form") or ContractPriceForm(),
        "contract_prices": ContractPrice.objects.filter(account=account).select_related("product"),
        "today": timezone.localdate(),
    }


@require_roles(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def account_prices(request, coop_slug, business_account_id):
    account = get_object_or_404(BusinessAccount.objects.all(), pk=business_account_id)
    if request.method == "GET":
        return render(request, "orders/b2b/account_prices.html", _prices_context(account))
    if request.POST.get("action") == "group":
        form = PriceGroupForm(request.POST)
        if form.is_valid():
            account_set_price_group(account=account, price_group=form.cleaned_data["price_group"])
            messages.success(request, _("Price group saved."))
            return redirect("b2b_account_prices", coop_slug=coop_slug, business_account_id=account.pk)
        return render(request, "orders/b2b/account_prices.html", _prices_context(account, group_form=form), status=400)
    form = ContractPriceForm(request.POST)
    if form.is_valid():
        try:
            contract_price_create(account=account, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Contract price saved."))
            return redirect("b2b_account_prices", coop_slug=coop_slug, business_account_id=account.pk)
    return render(request, "orders/b2b/account_prices.html", _prices_context(account, contract_form=form), status=400)


@require_roles(*MANAGER_ROLES)
@require_POST
def contract_price_stop(request, coop_slug, business_account_id, contract_price_id):
    account = get_object_or_404(BusinessAccount.objects.all(), pk=business_account_id)
    price = get_object_or_404(ContractPrice.objects.filter(account=account), pk=contract_price_id)
    contract_price_end(contract_price=price, on=timezone.localdate())
    messages.success(request, _("The contract price for %(product)s ends today.") % {"product": price.product.name_nl})
    return redirect("b2b_account_prices", coop_slug=coop_slug, business_account_id=account.pk)
