"""Crates and other deposit items: what each customer and producer still has, and returns at the hub, at a
pickup point or on a delivery round (drivers record them too)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members.models import Membership, Producer

from ..forms import DepositReturnForm
from ..services import hub
from . import selectors
from .access import hub_page


@hub_page
@require_http_methods(["GET", "POST"])
def crates(request, coop_slug):
    customers, producers = selectors.deposit_return_parties()
    bound = request.method == "POST"
    form = DepositReturnForm(request.POST if bound else None, customers=customers, producers=producers,
                             initial={"party": request.GET.get("party", "")})
    if bound and form.is_valid():
        kind, pk = form.returned_by()
        party = ({"customer": get_object_or_404(Membership.objects.all(), pk=pk)} if kind == "customer"
                 else {"producer": get_object_or_404(Producer.objects.all(), pk=pk)})
        item = form.cleaned_data["item"]
        try:
            hub.deposit_record_return(item_code=item.code, quantity=form.cleaned_data["quantity"],
                                      note=form.cleaned_data["note"], user=request.user, **party)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)s × %(item)s back from %(who)s.") % {
                "n": form.cleaned_data["quantity"], "item": item, "who": dict(customers + producers)[
                    form.cleaned_data["party"]]})
            return redirect("hub_crates", coop_slug=coop_slug)
    items, customer_rows, producer_rows = selectors.deposit_balance_table()
    return render(request, "logistics/hub/crates.html",
                  {"form": form, "items": items, "customer_rows": customer_rows, "producer_rows": producer_rows},
                  status=400 if form.errors else 200)
