"""Public and private uploads share MEDIA_ROOT; only what lies under PUBLIC_DIR is ever reachable by URL.

Product photos, their thumbnails and producers' pictures are shown on the public catalogue and the shop by
their storage URL: they are stored under `public/` (upload_to=PublicUpload(...)) and served from
/media/public/ (coop/views_media.py), in production too. Everything else (invoices, settlements, route sheets,
cycle documents, drivers' signatures and photos) stays outside it and is served only by views that check who
asks: never give a private field an upload_to under PUBLIC_DIR.
"""

import os
import secrets

from django.core.files.storage import default_storage
from django.utils.deconstruct import deconstructible

PUBLIC_DIR = "public"


@deconstructible
class PublicUpload:
    """upload_to for a public image: `public/<folder>/<name>-<random>.<ext>`.

    A new name for every upload, so a replaced photo never reuses a URL a browser may hold for a year
    (the public files are served as immutable)."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        stem, suffix = os.path.splitext(os.path.basename(filename))
        return f"{PUBLIC_DIR}/{self.folder}/{stem}-{secrets.token_hex(4)}{suffix.lower()}"

    def __eq__(self, other):
        return isinstance(other, PublicUpload) and other.folder == self.folder


def _move_files(model, fields, *, to_public: bool, storage=None) -> int:
    """Move the files of `fields` of every row of `model` into (or out of) PUBLIC_DIR and rename them in the rows.

    Safe to run again and after a run stopped halfway: rows already moved are skipped, and a file already at
    its new place (the row was not updated yet) is not moved twice. A missing file only has its name changed.
    Returns how many names changed."""
    storage = storage or default_storage
    prefix = f"{PUBLIC_DIR}/"
    changed = 0
    for field in fields:
        rows = model._base_manager.exclude(**{field: ""})
        rows = (rows.exclude if to_public else rows.filter)(**{f"{field}__startswith": prefix})
        for pk, name in rows.values_list("pk", field).iterator():
            new = prefix + name if to_public else name.removeprefix(prefix)
            source, target = storage.path(name), storage.path(new)
            if os.path.exists(source) and not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(source, target)
            model._base_manager.filter(pk=pk).update(**{field: new})
            changed += 1
    return changed


def move_to_public(model, fields, *, storage=None) -> int:
    return _move_files(model, fields, to_public=True, storage=storage)


def move_out_of_public(model, fields, *, storage=None) -> int:
    return _move_files(model, fields, to_public=False, storage=storage)


def move_operation(app_label: str, model_name: str, fields):
    """A migration's step that moves a model's existing files of `fields` under public/ (back when reversed).

    Files move before the rows are committed: should the migration fail after moving some, running it again
    finds them at their new place and only renames the rows."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        move_to_public(apps.get_model(app_label, model_name), fields)

    def backwards(apps, schema_editor):
        move_out_of_public(apps.get_model(app_label, model_name), fields)

    return migrations.RunPython(forwards, backwards)
