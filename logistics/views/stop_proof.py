"""The fixer's view of a stop's proof of delivery (managers only): the events in time order, who received the
goods, the signature and the photo, crates returned by item, the note and the kind of problem. A page of its own,
or (htmx) the panel that opens beside the drivers' progress on the run page.

Signatures and photos are personal data: they are never linked by their storage path (MEDIA_URL), only through
stop_event_file, which looks the event up in the request's coop and asks who is asking. Managers see every
stop's files; a driver only those of stops on their own published routes (the rule that let them record it).
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coop.tenancy.access import require_roles
from members.models import MANAGER_ROLES, Role

from ..models import Stop, StopEvent
from ..services.stop_events import stop_visible_to
from .access import manager_page
from .proof_selectors import stop_proof

# What the stored bytes say they are; anything else goes out as a download, never shown inline.
IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def _image_type(head: bytes) -> str:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_TYPES if head.startswith(magic)), "")


@manager_page
@require_GET
def stop_detail(request, coop_slug, stop_id):
    try:
        proof = stop_proof(stop_id)
    except Stop.DoesNotExist:
        raise Http404(_("Not found.")) from None
    context = {"proof": proof, "stop": proof.stop, "run": proof.stop.run}
    if request.htmx:
        return render(request, "logistics/planning/_stop_proof.html", {**context, "panel": True})
    return render(request, "logistics/planning/stop_proof.html", context)


@require_roles(Role.DRIVER, *MANAGER_ROLES)
@require_GET
def stop_event_file(request, coop_slug, stop_event_id, field):
    """One event's signature or photo, from storage through this view only (see the module's docstring)."""
    event = get_object_or_404(StopEvent.objects.select_related("stop__route", "stop__run"), pk=stop_event_id)
    stored = getattr(event, field)
    if not stored or not stop_visible_to(event.stop, request.membership):
        raise Http404(_("Not found."))
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404(_("Not found.")) from None
    head = handle.read(16)
    handle.seek(0)
    content_type = _image_type(head)
    name = f"stop-{event.stop_id}-{event.pk}-{field}{EXTENSIONS.get(content_type, '')}"
    response = FileResponse(handle, content_type=content_type or "application/octet-stream",
                            as_attachment=not content_type, filename=name)
    response["Cache-Control"] = "private, max-age=600"
    # Bytes a phone sent us: never run as a page, whatever is in them.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
