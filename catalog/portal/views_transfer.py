"""Export a producer's product list (CSV/XLSX) and import one: upload -> preview (dry run) -> confirm.

The uploaded file is kept in the session between preview and confirmation, with its hash in the confirm
form, so what is applied is exactly the file that was previewed, never something re-posted.
"""

import base64
import hashlib

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from catalog import importing
from catalog.forms import ImportUploadForm

from .access import acting_for_other, portal_page, portal_producer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _session_key(producer) -> str:
    return f"catalog_import:{producer.coop_id}:{producer.pk}"


def _download(producer, content: bytes, extension: str, content_type: str) -> HttpResponse:
    name = f"{producer.key}-products-{timezone.localdate():%Y%m%d}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@portal_page
@require_GET
def export_csv(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    return _download(producer, importing.export_csv(producer), "csv", "text/csv; charset=utf-8")


@portal_page
@require_GET
def export_xlsx(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    return _download(producer, importing.export_xlsx(producer), "xlsx", XLSX_TYPE)


@portal_page
@require_http_methods(["GET", "POST"])
def import_upload(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    bound = request.method == "POST"
    form = ImportUploadForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        result = importing.run_import(producer=producer, content=content, filename=upload.name,
                                      user=request.user, commit=False)
        if result.file_errors:
            for message in result.file_errors:
                form.add_error("file", message)
        else:
            request.session[_session_key(producer)] = {
                "name": upload.name, "sha256": hashlib.sha256(content).hexdigest(),
                "content": base64.b64encode(content).decode("ascii"),
            }
            return redirect("portal_import_preview", coop_slug=coop_slug, producer_id=producer.pk)
    return render(request, "catalog/portal/import_upload.html",
                  {"producer": producer, "form": form, "acting_for_other": acting_for_other(request, producer),
                   "columns": importing.fmt.COLUMNS, "required": importing.fmt.REQUIRED},
                  status=400 if form.errors else 200)


@portal_page
@require_http_methods(["GET", "POST"])
def import_preview(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    stored = request.session.get(_session_key(producer))
    if not stored:
        messages.info(request, _("Upload a product list first."))
        return redirect("portal_import", coop_slug=coop_slug, producer_id=producer.pk)
    content = base64.b64decode(stored["content"])
    confirm = request.method == "POST"
    status = 200
    if confirm and request.POST.get("sha256") != stored["sha256"]:
        messages.error(request, _("The list changed since this preview; check the preview again."))
        confirm, status = False, 400
    result = importing.run_import(producer=producer, content=content, filename=stored["name"],
                                  user=request.user, commit=confirm)
    if result.applied:
        del request.session[_session_key(producer)]
        counts = result.counts
        messages.success(request, _("Imported: %(create)s new, %(update)s changed, %(unchanged)s unchanged.")
                         % counts)
        return redirect("portal_product_list", coop_slug=coop_slug, producer_id=producer.pk)
    if confirm:
        status = 400  # the data changed since the preview and now a row fails: nothing was imported
    return render(request, "catalog/portal/import_preview.html",
                  {"producer": producer, "result": result, "stored": stored,
                   "acting_for_other": acting_for_other(request, producer)}, status=status)
