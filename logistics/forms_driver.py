"""The driver's stop form: arrived, done, a problem, or proof of delivery with crates returned.

Every form carries a `client_id` made when the page was rendered (or by driver.js on the phone), so a form sent
twice (a double tap, a retry after a dropped connection) is recorded once by services/stop_events.py.
"""

import base64
import binascii
import uuid
from datetime import timedelta

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import StopEvent

PNG = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 400 * 1024
MAX_PHOTO_BYTES = 12 * 1024 * 1024
CRATE_PREFIX = "crates_"


def new_client_id() -> str:
    return uuid.uuid4().hex


class StopEventForm(forms.Form):
    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=StopEvent.Kind.choices, widget=forms.HiddenInput)
    recorded_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    receiver_name = forms.CharField(label=_("Received by"), max_length=150, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    signature_data = forms.CharField(required=False, widget=forms.HiddenInput)
    photo = forms.ImageField(label=_("Photo"), required=False, widget=forms.FileInput(
        attrs={"accept": "image/*", "capture": "environment"}))
    order = forms.TypedChoiceField(label=_("Crates of order"), coerce=int, required=False, empty_value=None)
    problem = forms.ChoiceField(label=_("Problem"), required=False,
                                choices=[("", _("no problem")), *StopEvent.Problem.choices])
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, card=None, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        orders = card.orders if card is not None else []
        if card is not None and card.customers > 1:
            self.fields["order"].choices = [("", "---------")] + [
                (order.id, f"{order.number} · {order.customer}") for order in orders]
        else:
            del self.fields["order"]
        for item in self.items:
            self.fields[CRATE_PREFIX + item.code] = forms.IntegerField(
                label=item.name, min_value=0, max_value=999, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}))
        relevant = set()
        if card is not None:
            relevant = {item.code for item, _count in card.deposits_out + card.take_back}
        self.main_crate_fields = [self[CRATE_PREFIX + i.code] for i in self.items
                                  if i.code in relevant or i.kind == "crate"]
        self.other_crate_fields = [self[CRATE_PREFIX + i.code] for i in self.items
                                   if not (i.code in relevant or i.kind == "crate")]

    def clean_signature_data(self):
        """A signature drawn on the phone's screen arrives as a PNG data URL."""
        value = (self.cleaned_data.get("signature_data") or "").strip()
        if not value:
            return None
        header, _comma, payload = value.partition(",")
        if header != "data:image/png;base64":
            raise forms.ValidationError(_("The signature must be a PNG image."))
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("The signature could not be read.")) from exc
        if not data.startswith(PNG):
            raise forms.ValidationError(_("The signature must be a PNG image."))
        if len(data) > MAX_SIGNATURE_BYTES:
            raise forms.ValidationError(_("The signature is too large."))
        return ContentFile(data, name="signature.png")

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 12 MB."))
        return photo

    def clean_recorded_at(self):
        moment = self.cleaned_data.get("recorded_at")
        now = timezone.now()
        if moment is None or moment > now + timedelta(minutes=5):
            return now  # a phone clock ahead of ours: the event cannot have happened later than it arrived
        return moment

    def crate_rows(self) -> list[dict]:
        order = self.cleaned_data.get("order")
        rows = []
        for item in self.items:
            quantity = self.cleaned_data.get(CRATE_PREFIX + item.code) or 0
            if quantity > 0:
                rows.append({"item": item.code, "quantity": quantity, **({"order": order} if order else {})})
        return rows

    def event_values(self) -> dict:
        """Keyword arguments for services.stop_events.stop_event_record."""
        data = self.cleaned_data
        return {"client_id": data["client_id"], "kind": data["kind"], "recorded_at": data["recorded_at"],
                "receiver_name": data.get("receiver_name", ""), "problem": data.get("problem", ""),
                "note": data.get("note", ""), "crates_returned": self.crate_rows(),
                "signature": data.get("signature_data"), "photo": data.get("photo")}
