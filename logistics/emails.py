"""E-mails from the hub side, in the customer's (or producer's) language."""

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import Order

from .models import CycleDocument, PurchaseOrder


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


def purchase_order_email(*, document_id: int) -> str:
    """Mail a producer their purchase order with the rendered PDF attached, once.

    The purchase order row is locked while sending and `sent_at` is set in the same transaction: a retried
    or repeated task waits for the lock, sees `sent_at` and sends nothing. (A crash between the mail server's
    answer and the commit can still send twice; the mail is never lost.)
    """
    document = CycleDocument.objects.select_related("coop").get(pk=document_id)
    if document.kind != CycleDocument.Kind.PURCHASE_ORDER or document.status != CycleDocument.Status.READY:
        return "not-ready"
    producer_id = int(document.subject.split(":", 1)[1])
    with transaction.atomic():
        po = (PurchaseOrder.objects.select_for_update(of=("self",))
              .select_related("producer__membership__user", "cycle").get(cycle_id=document.cycle_id,
                                                                          producer_id=producer_id))
        if po.sent_at is not None:
            return "already-sent"
        producer = po.producer
        to = producer.contact_email or producer.membership.user.email
        path = reverse("hub_purchase_order_detail", kwargs={"coop_slug": document.coop.slug,
                                                           "purchase_order_id": po.pk})
        with translation.override(document.language):
            subject = _("Purchase order %(number)s for %(cycle)s") % {"number": po.number, "cycle": po.cycle.name}
            body = render_to_string("logistics/email/purchase_order.txt", {
                "po": po, "coop": document.coop, "url": settings.SITE_URL.rstrip("/") + path})
        message = EmailMessage(subject, body, None, [to], reply_to=[document.coop.contact_email]
                               if document.coop.contact_email else None)
        with document.file.open("rb") as fh:
            message.attach(f"{po.number}.pdf", fh.read(), "application/pdf")
        message.send()
        po.sent_at = timezone.now()
        po.save(update_fields=["sent_at"])
    return "sent"
