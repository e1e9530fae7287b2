"""Forms of the kitchen pages: standing orders (header, lines, pauses) and an account's prices."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import PriceGroup, Product
from members.models import BusinessAccount, Weekday
from orders.models import StandingOrder, StandingOrderLine

DATE = {"type": "date"}


class ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name_nl} ({obj.get_sell_unit_display()})"


class StandingOrderForm(forms.Form):
    account = forms.ModelChoiceField(label=_("Business account"), queryset=BusinessAccount.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100, initial=_("Weekly order"))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=StandingOrder.Frequency.choices)
    weekdays = forms.MultipleChoiceField(label=_("Delivery weekdays"), choices=Weekday.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_("Only for 'cycles delivering on chosen weekdays'."))
    start_date = forms.DateField(label=_("First delivery on or after"), widget=forms.DateInput(DATE, "%Y-%m-%d"),
                                 help_text=_("A cycle that is open now and delivers on or after this date gets "
                                             "the order within a minute."))
    end_date = forms.DateField(label=_("Last delivery on or before"), required=False,
                               widget=forms.DateInput(DATE, "%Y-%m-%d"))
    purchase_order_reference = forms.CharField(label=_("Purchase order reference"), max_length=60, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, choose_account: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_account:
            self.fields["account"].queryset = BusinessAccount.objects.filter(is_active=True)
        else:
            del self.fields["account"]

    def header(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("name", "frequency", "weekdays", "start_date", "end_date", "purchase_order_reference", "is_active")}


class StandingLineForm(forms.Form):
    product = ProductChoice(label=_("Product"), queryset=Product.objects.none(), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=3, min_value=0, required=False)
    rule = forms.ChoiceField(label=_("When not offered or short"), choices=StandingOrderLine.Rule.choices,
                             initial=StandingOrderLine.Rule.TAKE_REMAINING)
    substitute = ProductChoice(label=_("Substitute"), queryset=Product.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("name_nl")
        self.fields["product"].queryset = products
        self.fields["substitute"].queryset = products


StandingLineFormSet = forms.formset_factory(StandingLineForm, extra=4)


def formset_lines(formset) -> list[dict]:
    return [{"product": f.cleaned_data["product"], "quantity": f.cleaned_data["quantity"],
             "rule": f.cleaned_data["rule"], "substitute": f.cleaned_data.get("substitute")}
            for f in formset.forms if f.cleaned_data.get("product") and f.cleaned_data.get("quantity")]


class PauseForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(DATE, "%Y-%m-%d"))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(DATE, "%Y-%m-%d"))
    reason = forms.CharField(label=_("Reason"), max_length=100, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. Easter holidays")}))


class PriceGroupForm(forms.Form):
    price_group = forms.ModelChoiceField(label=_("Price group"), queryset=PriceGroup.objects.none(), required=False,
                                         empty_label=_("— none: the normal margins —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_group"].queryset = PriceGroup.objects.all()


class ContractPriceForm(forms.Form):
    product = ProductChoice(label=_("Product"), queryset=Product.objects.none())
    price = forms.DecimalField(label=_("Price excl. VAT per price unit"), max_digits=10, decimal_places=2,
                               min_value=0)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(DATE, "%Y-%m-%d"))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(DATE, "%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("name_nl")
        self.fields["valid_from"].initial = timezone.localdate()
