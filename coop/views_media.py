"""Serves MEDIA_ROOT/public/ (product photos, thumbnails, producers' pictures) at /media/public/, in production too.

Django serving files is fine for a cooperative's traffic behind gunicorn: the images are small, named anew on
every upload (coop/media.py) and sent as immutable for a year, so a browser asks for each one once; a repeat
after a forced reload is answered 304 from its ETag or Last-Modified. Only images under public/ are served:
private files (invoices, signatures ...) live elsewhere in MEDIA_ROOT and no URL reaches them.
"""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from coop.media import PUBLIC_DIR

MAX_AGE = 365 * 24 * 3600


@require_safe
def public_media(request, path):
    try:
        full = Path(safe_join(Path(settings.MEDIA_ROOT) / PUBLIC_DIR, path))
    except SuspiciousFileOperation:
        raise Http404 from None
    content_type, encoding = mimetypes.guess_type(full.name)
    # Images only (SVG can carry script): anything else put there by mistake is not served.
    if (not content_type or not content_type.startswith("image/") or content_type == "image/svg+xml"
            or encoding or not full.is_file()):
        raise Http404
    stat = full.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    response = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if response is None:
        response = FileResponse(full.open("rb"), content_type=content_type)
        response.headers["Last-Modified"] = http_date(stat.st_mtime)
    if response.status_code in (200, 304):  # not on a 412 (If-Match / If-Unmodified-Since failed)
        response.headers["ETag"] = etag
        patch_cache_control(response, public=True, max_age=MAX_AGE, immutable=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
