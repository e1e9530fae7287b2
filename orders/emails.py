"""The order confirmation e-mail, in the customer's language, sent once the order is committed.

Plain text plus HTML with the lines, the totals and the payment details written out (IBAN, amount and the
structured reference): a QR code image is often blocked or stripped by mail clients, so the e-mail links to
the confirmation page, which shows the EPC "scan to pay" code.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope
from stdnum import iban as iban_format

from coop.models import Cooperative
from orders import selectors
from orders.models import Order

logger = logging.getLogger(__name__)


def order_confirmation_on_commit(order: Order, *, changed: bool = False) -> None:
    """Send the confirmation after the surrounding transaction commits (never for a rolled-back order)."""
    coop_id, order_id = order.coop_id, order.pk
    transaction.on_commit(lambda: _send_logging_errors(coop_id=coop_id, order_id=order_id, changed=changed))


def _send_logging_errors(*, coop_id: int, order_id: int, changed: bool) -> None:
    try:
        coop = Cooperative.objects.get(pk=coop_id)
        with scope(coop=coop):
            order_confirmation_send(order=Order.objects.get(pk=order_id), changed=changed)
    except Exception:  # the order stands even when the mail server does not answer
        logger.exception("order confirmation e-mail for order %s failed", order_id)


def order_confirmation_send(*, order: Order, changed: bool = False) -> None:
    order = (Order.objects.select_related("coop", "cycle", "customer__user", "pickup__pickup_point", "delivery_zone")
             .get(pk=order.pk))
    coop = order.coop
    language = order.language or coop.default_language
    with translation.override(language):
        path = reverse("shop_order_detail", kwargs={"coop_slug": coop.slug, "order_id": order.pk})
        context = {
            "order": order,
            "coop": coop,
            "summary": selectors.order_summary(order, coop=coop),
            "iban": iban_format.format(coop.iban),
            "url": settings.SITE_URL.rstrip("/") + path,
            "changed": changed,
        }
        subject = (_("Your order %(number)s at %(coop)s has been changed") if changed
                   else _("Your order %(number)s at %(coop)s")) % {"number": order.number, "coop": coop.name}
        text = render_to_string("orders/email/order_confirmation.txt", context)
        html = render_to_string("orders/email/order_confirmation.html", context)
    message = EmailMultiAlternatives(subject, text, None, [order.customer.user.email],
                                     reply_to=[coop.contact_email] if coop.contact_email else None)
    message.attach_alternative(html, "text/html")
    message.send()
