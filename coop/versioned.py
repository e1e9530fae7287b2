"""Which writes bump which version tokens (coop/versions.py), so that no writer has to remember it.

`bump_on_save(models, name_of, fields=...)` tells, per model, the token names a row belongs to (`name_of(row)`:
a name, a list of names or None) and the fields that function reads. Then every write of such rows bumps them:
- save and delete, through post_save / post_delete; a queryset's `delete()` too: Django never fast-deletes
  rows that have post_delete receivers, it sends the signal for each;
- `QuerySet.update()` (and so `bulk_update()`, which runs updates) and `bulk_create()`, which send no signal,
  through `VersionedQuerySet`: an update bumps the names of the rows it writes, those they leave and those
  they enter when it changes the fields that `name_of` reads.
Every manager of a registered model must give that queryset: `VersionedManager`, or django-scopes' manager
over it (`ScopedVersionedManager`). Registering a model without it fails at start-up.

Not seen: raw SQL, and Django's own writes through a model's plain base manager (`_base_manager`, e.g. the
SET_NULL of a foreign key when the row it points to is deleted, or a migration's RunPython): those writers
call versions.bump themselves.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django_scopes import ScopedManager

from . import versions


@dataclass(frozen=True)
class _Watch:
    name_of: object
    fields: tuple[str, ...]  # attnames that name_of reads
    ignore: frozenset[str]  # attnames whose bulk changes are not shown: an update of only these bumps nothing


_watches: dict[type, dict[str, _Watch]] = {}


def _names(names) -> list[str]:
    return [names] if isinstance(names, str) else list(names or ())


def _attname(model, name: str) -> str:
    if name == "pk":
        return model._meta.pk.attname
    try:
        return model._meta.get_field(name).attname
    except FieldDoesNotExist:
        return name  # the write itself reports it


def _watching(model, written) -> list[_Watch]:
    """The registrations of `model` that a bulk write of the fields `written` concerns."""
    watches = _watches.get(model._meta.concrete_model)
    if not watches:
        return []
    written = {_attname(model, name) for name in written}
    return [watch for watch in watches.values() if not written <= watch.ignore]


def _read_fields(model, watches) -> list[str]:
    """What the watches' name_of read, in the model's field order (as Model.from_db wants them); at least one."""
    wanted = {name for watch in watches for name in watch.fields} or {model._meta.pk.attname}
    return [field.attname for field in model._meta.concrete_fields if field.attname in wanted]


def _names_of_rows(model, watches, fields, rows, db) -> set[str]:
    names = set()
    for row in set(rows):
        instance = model.from_db(db, fields, row)  # the other fields deferred
        for watch in watches:
            names.update(_names(watch.name_of(instance)))
    return names


def _among(fields, rows) -> Q:
    """Rows whose `fields` have one of the value tuples `rows` (NULL included)."""
    if len(fields) == 1:
        values = {row[0] for row in rows}
        among = Q(**{f"{fields[0]}__in": values - {None}})
        return among | Q(**{f"{fields[0]}__isnull": True}) if None in values else among
    return Q(*[Q(**dict(zip(fields, row, strict=True))) for row in set(rows)], _connector=Q.OR)


class VersionedQuerySet(models.QuerySet):
    """Bulk writes that bump the version tokens of the rows they write (see the module's docstring)."""

    def update(self, **kwargs):
        watches = _watching(self.model, kwargs)
        if not watches:
            return super().update(**kwargs)
        fields = _read_fields(self.model, watches)
        rows = self.order_by()
        if set(fields) & {_attname(self.model, name) for name in kwargs}:
            # Rows move to other names: those of before, and of after (read back by primary key).
            before = list(rows.values_list("pk", *fields))
            pks, seen = [row[0] for row in before], [row[1:] for row in before]
            count = self._update(self.filter(_among(fields, seen), pk__in=pks), kwargs) if pks else 0
            after = self.model._base_manager.using(self.db).filter(pk__in=pks).order_by().values_list(*fields)
            seen += list(after) if count else []
        else:
            seen = list(rows.values_list(*fields).distinct())
            count = self._update(self.filter(_among(fields, seen)), kwargs) if seen else 0
        if count:
            versions.bump_many(_names_of_rows(self.model, watches, fields, seen, self.db))
        return count

    @staticmethod
    def _update(kept, kwargs) -> int:
        """The update, kept to the rows whose names were read: a row that matches only by a commit between the
        two statements (or moved to other names meanwhile) is left as if the update had come first, never
        changed without its names bumped."""
        return models.QuerySet.update(kept, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        watches = _watches.get(self.model._meta.concrete_model, {}).values()
        versions.bump_many({name for obj in created for watch in watches for name in _names(watch.name_of(obj))})
        return created


class VersionedManager(models.Manager.from_queryset(VersionedQuerySet)):
    def bulk_create(self, objs, *args, **kwargs):
        queryset = self.get_queryset()
        if not isinstance(queryset, VersionedQuerySet):  # django-scopes' refusing queryset lets bulk_create pass
            queryset = VersionedQuerySet(self.model, using=self._db)
        return queryset.bulk_create(objs, *args, **kwargs)


def ScopedVersionedManager(**scopes):  # named like django-scopes' ScopedManager
    """django-scopes' manager (e.g. `coop="coop"`) over a VersionedQuerySet."""
    return ScopedManager(_manager_class=VersionedManager, **scopes)


def _check_managers(model) -> None:
    for manager in model._meta.managers:
        if not issubclass(manager._queryset_class, VersionedQuerySet) or not isinstance(manager, VersionedManager):
            raise ImproperlyConfigured(
                f"{model._meta.label}.{manager.name}: a model whose rows bump version tokens needs a VersionedManager "
                "(coop/versioned.py), or its bulk writes would leave cached pages stale.")


def bump_on_save(watched, name_of, *, fields, ignore=()) -> None:
    """Bump `name_of(row)` (a name, a list of names, or None) whenever rows of the models `watched` are written:
    saved, deleted, updated or created in bulk. `fields`: the fields name_of reads (a bulk update reads only these).
    `ignore`: fields not shown in what the tokens keep, whose bulk updates alone bump nothing.
    One call per model and app: a second with the same `name_of` qualname is ignored (dispatch_uid)."""

    def changed(sender, instance, **kwargs):
        versions.bump_many(_names(name_of(instance)))

    for model in watched:
        _check_managers(model)
        watch = _Watch(name_of, tuple(_attname(model, name) for name in fields),
                       frozenset(_attname(model, name) for name in ignore))
        attnames = {field.attname for field in model._meta.concrete_fields}
        if not set(watch.fields) | watch.ignore <= attnames:
            raise ImproperlyConfigured(f"{model._meta.label}: unknown fields in {fields} or {ignore}")
        uid = f"versions:{model._meta.label}:{getattr(name_of, '__qualname__', name_of)}"
        _watches.setdefault(model._meta.concrete_model, {}).setdefault(uid, watch)
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")
