"""E-mails from the hub side, in the customer's language."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from orders.models import Order


def order_changed_email(*, order_id: int) -> str:
    order = Order.objects.select_related("customer__user", "cycle").get(pk=order_id)
    changed = [line for line in order.lines.all() if line.short_quantity or line.weighed_quantity is not None]
    if not changed:
        return "nothing-changed"
    with translation.override(order.language or order.coop.default_language):
        subject = _("Your order %(number)s was adjusted") % {"number": order.number}
        body = render_to_string("logistics/email/order_changed.txt", {"order": order, "changed": changed})
    send_mail(subject, body, None, [order.customer.user.email])
    return "sent"
