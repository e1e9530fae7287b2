"""Forms of the producer portal. They only shape input: every rule is checked by catalog.services."""

from decimal import Decimal

from django import forms
from django.forms.models import fields_for_model
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .allergens import ALLERGEN_CODES, Allergen, AllergenStatus
from .importing import MAX_BYTES
from .models import Category, Product

MAX_PHOTO_BYTES = 10 * 1024 * 1024

PRODUCT_FORM_FIELDS = [
    "sku", "name_nl", "name_fr", "name_en", "category", "description_nl", "description_fr", "description_en",
    "sell_unit", "price_unit", "order_step", "min_quantity", "is_weighed", "est_weight_kg", "net_content",
    "net_content_unit", "vat_class", "storage", "labels", "ingredients", "origin", "shelf_life_days",
    "season_months", "is_active",
]
SECTIONS = [
    (_("Name and description"), ["sku", "name_nl", "name_fr", "name_en", "category", "description_nl",
                                 "description_fr", "description_en"]),
    (_("Price and sale"), ["price", "sell_unit", "price_unit", "order_step", "min_quantity", "is_weighed",
                           "est_weight_kg", "net_content", "net_content_unit", "vat_class", "is_active"]),
    (_("Food information"), ["ingredients", "origin", "labels", "storage", "shelf_life_days", "season_months"]),
]


class DecimalCommaField(forms.DecimalField):
    """A decimal typed with a comma or a point (Belgian phones and spreadsheets use the comma)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal"}


DECIMAL_FIELDS = ("order_step", "min_quantity", "est_weight_kg", "net_content")


def localized_name(obj) -> str:
    """name_fr / name_en in the current language, falling back to the Dutch name."""
    language = (get_language() or "nl")[:2]
    return getattr(obj, f"name_{language}", "") or obj.name_nl


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parent = f"{localized_name(obj.parent)} › " if obj.parent_id else ""
        return parent + localized_name(obj)


def _model_fields():
    fields = fields_for_model(Product, fields=PRODUCT_FORM_FIELDS)
    for name in DECIMAL_FIELDS:
        old = fields[name]
        fields[name] = DecimalCommaField(label=old.label, required=old.required, help_text=old.help_text,
                                         initial=old.initial, max_digits=8, decimal_places=3, min_value=0)
    fields["price_unit"].required = False
    for name in ("description_nl", "description_fr", "description_en", "ingredients"):
        fields[name].widget.attrs["rows"] = 3
    fields["price_unit"].help_text = _("Empty: kg for weighed goods, otherwise the sell unit.")
    return fields


class ProductForm(forms.Form):
    """All fields of a product, its producer price, 14 allergen answers, deposit counts and a photo."""

    price = DecimalCommaField(
        label=_("Your price excl. VAT"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2,
        help_text=_("Per price unit, excluding VAT: what you receive. A change is kept in the price history and "
                    "applies from the next order cycle; a cycle that is already open keeps the old price."),
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, product=None, deposit_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        for name, field in _model_fields().items():
            self.fields[name] = field
        self.order_fields(["price", *PRODUCT_FORM_FIELDS])
        self.fields["category"] = CategoryChoiceField(
            queryset=Category.objects.select_related("parent").order_by("parent__position", "position", "name_nl"),
            label=_("Category"),
        )
        self.fields["labels"] = forms.MultipleChoiceField(
            label=_("Labels"), choices=Product.Label.choices, required=False, widget=forms.CheckboxSelectMultiple)
        self.fields["season_months"] = forms.TypedMultipleChoiceField(
            label=_("Season"), choices=list(MONTHS.items()), coerce=int, required=False,
            widget=forms.CheckboxSelectMultiple)
        if product is not None:
            self.fields["price"].required = False
        for code in ALLERGEN_CODES:
            self.fields[f"allergen_{code}"] = forms.ChoiceField(
                label=Allergen(code).label, choices=AllergenStatus.choices, required=False,
                widget=forms.RadioSelect)
        self.deposit_items = list(deposit_items)
        for item in self.deposit_items:
            self.fields[f"deposit_{item.code}"] = forms.IntegerField(
                label=f"{localized_name(item)} (€ {number_format(item.value, 2)})", min_value=0, max_value=999,
                required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    @classmethod
    def initial_for(cls, product, *, price, answers: dict, deposits: dict) -> dict:
        initial = {name: getattr(product, name) for name in PRODUCT_FORM_FIELDS}
        initial["category"] = product.category_id
        initial["price"] = price
        initial.update({f"allergen_{code}": status for code, status in answers.items()})
        initial.update({f"deposit_{code}": count for code, count in deposits.items()})
        return initial

    # groups for the template
    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def allergen_fields(self):
        return [self[f"allergen_{code}"] for code in ALLERGEN_CODES]

    def deposit_fields(self):
        return [self[f"deposit_{item.code}"] for item in self.deposit_items]

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        taken = Product.objects.filter(sku=sku)
        if self.product is not None:
            taken = taken.exclude(pk=self.product.pk)
        if taken.exists():
            raise forms.ValidationError(_("This product code is already used in the cooperative."))
        return sku

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("A photo can be at most 10 MB."))
        return photo

    def service_data(self) -> dict:
        """What catalog.services.product_save takes."""
        data = {name: self.cleaned_data[name] for name in PRODUCT_FORM_FIELDS}
        if not data["price_unit"]:
            data["price_unit"] = "kg" if data["is_weighed"] else data["sell_unit"]
        if self.cleaned_data.get("price") is not None:
            data["price"] = self.cleaned_data["price"]
        answers = {code: self.cleaned_data[f"allergen_{code}"] for code in ALLERGEN_CODES}
        data["allergens"] = {code: status for code, status in answers.items() if status}
        data["deposits"] = {item.code: self.cleaned_data[f"deposit_{item.code}"] for item in self.deposit_items
                            if self.cleaned_data[f"deposit_{item.code}"]}
        return data

    def add_service_errors(self, exc) -> None:
        """Show a ValidationError of the services on the field it is about (or on top of the form)."""
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
        for field, messages in items:
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Product list (.csv or .xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
