"""The fixer's pages for business accounts (kitchens): details, and the people who buy for them.

Prices (price group, contract prices) are on the account's prices page in orders/views_b2b.py, because
prices belong to the catalogue, which members may not import.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coop.tenancy.access import require_roles
from members import services, services_business
from members.forms_business import ACCOUNT_FORM_FIELDS, AccountUserForm, BusinessAccountForm
from members.models import MANAGER_ROLES, BusinessAccount, Membership, Role
from members.selectors import invitations_pending


@require_roles(*MANAGER_ROLES)
def business_account_list(request, coop_slug):
    accounts = BusinessAccount.objects.order_by("-is_active", "name")
    return render(request, "members/business/account_list.html", {"accounts": accounts})


@require_roles(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def business_account_edit(request, coop_slug, business_account_id=None):
    account = None
    if business_account_id is not None:
        account = get_object_or_404(BusinessAccount.objects.all(), pk=business_account_id)
    initial = {name: getattr(account, name) for name in ACCOUNT_FORM_FIELDS} if account else {}
    form = BusinessAccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account = services_business.business_account_save(coop=request.coop, account=account,
                                                              data=form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(account)s saved.") % {"account": account.name})
            return redirect("business_account_edit", coop_slug=coop_slug, business_account_id=account.pk)
    context = {"account": account, "form": form, "user_form": AccountUserForm()}
    if account is not None:
        context.update(_people(account))
    return render(request, "members/business/account_edit.html", context, status=400 if form.errors else 200)


def _people(account: BusinessAccount) -> dict:
    return {
        "people": Membership.objects.filter(business_account=account, left_at__isnull=True).select_related("user"),
        "invited": invitations_pending().filter(business_account=account),
    }


@require_roles(*MANAGER_ROLES)
@require_POST
def business_account_add_user(request, coop_slug, business_account_id):
    account = get_object_or_404(BusinessAccount.objects.all(), pk=business_account_id)
    form = AccountUserForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        member = Membership.objects.filter(user__email__iexact=email, left_at__isnull=True).first()
        try:
            if member is not None:
                services_business.membership_link_business_account(membership=member, account=account)
                messages.success(request, _("%(email)s now buys for %(account)s.")
                                 % {"email": email, "account": account.name})
            else:
                services.invitation_create(coop=request.coop, email=email, roles=[Role.BUSINESS],
                                           invited_by=request.user, business_account=account)
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
    if form.errors:
        initial = {name: getattr(account, name) for name in ACCOUNT_FORM_FIELDS}
        context = {"account": account, "form": BusinessAccountForm(initial=initial), "user_form": form,
                   **_people(account)}
        return render(request, "members/business/account_edit.html", context, status=400)
    return redirect("business_account_edit", coop_slug=coop_slug, business_account_id=account.pk)


@require_roles(*MANAGER_ROLES)
@require_POST
def business_account_remove_user(request, coop_slug, business_account_id, member_id):
    account = get_object_or_404(BusinessAccount.objects.all(), pk=business_account_id)
    member = get_object_or_404(Membership.objects.filter(business_account=account, left_at__isnull=True),
                               pk=member_id)
    services_business.membership_link_business_account(membership=member, account=None)
    messages.success(request, _("%(person)s no longer buys for %(account)s.")
                     % {"person": member.user, "account": account.name})
    return redirect("business_account_edit", coop_slug=coop_slug, business_account_id=account.pk)
