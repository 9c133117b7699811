"""Key rotation: re-encrypt every encrypted value under the newest field key, and bring every
lookup hash up to date with the current lookup key.

Run it after putting a new key first in ``KEFU_FIELD_KEYS`` (old keys still listed); once it
reports nothing left, the old keys can be removed. It is idempotent: values already under the
newest key and hashes already current are skipped, so an interrupted run is simply repeated.
Each batch is one transaction, and each value is replaced only if it is still the token that
was read, so a customer edited meanwhile keeps the edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast
from django.db.models.lookups import Exact

from .crypto import lookup_hash, reencrypted
from .fields import encrypted_fields, lookup_fields

BATCH = 500


@dataclass
class Rotation:
    rotated: dict[str, int] = field(default_factory=dict)
    rehashed: dict[str, int] = field(default_factory=dict)
    checked: int = 0

    @property
    def changed(self) -> int:
        return sum(self.rotated.values()) + sum(self.rehashed.values())


def rotate_keys(
    *, batch_size: int = BATCH, progress: Callable[[str, int], None] | None = None
) -> Rotation:
    result = Rotation()
    for model in _models():
        for name in [f.name for f in encrypted_fields(model)]:
            label = f"{model._meta.label}.{name}"
            result.rotated[label] = 0
            for batch in _batches(model, name, batch_size):
                result.checked += len(batch)
                result.rotated[label] += _rotate(model, name, batch)
                if progress:
                    progress(label, result.checked)
        for lookup in lookup_fields(model):
            label = f"{model._meta.label}.{lookup.name}"
            result.rehashed[label] = _rehash(
                model, lookup.source, lookup.kind, lookup.name, batch_size
            )
    return result


def _models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if encrypted_fields(m) or lookup_fields(m)]


def _raw(name: str) -> Cast:
    """The stored token itself: a plain text column, without the field's decryption."""
    return Cast(name, output_field=models.TextField())


def _batches(model: type[models.Model], name: str, size: int) -> Iterator[list[tuple[int, str]]]:
    last = 0
    while True:
        rows = list(
            model._default_manager.annotate(token=_raw(name))
            .filter(pk__gt=last)
            .exclude(token="")
            .exclude(token__isnull=True)
            .order_by("pk")
            .values_list("pk", "token")[:size]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def _rotate(model: type[models.Model], name: str, rows: list[tuple[int, str]]) -> int:
    rotated = 0
    with transaction.atomic():
        for pk, token in rows:
            fresh = reencrypted(token)
            if fresh is None:
                continue  # already under the newest key
            rotated += model._default_manager.filter(Exact(_raw(name), token), pk=pk).update(
                **{name: models.Value(fresh, output_field=models.TextField())}
            )
    return rotated


def _rehash(model: type[models.Model], source: str, kind: str, column: str, size: int) -> int:
    changed, last = 0, 0
    while True:
        rows = list(model._default_manager.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return changed
        last = rows[-1].pk
        with transaction.atomic():
            for row in rows:
                wanted = lookup_hash(kind, getattr(row, source) or "")
                current = getattr(row, column)
                if current != wanted:  # unless a save changed the row meanwhile
                    changed += model._default_manager.filter(pk=row.pk, **{column: current}).update(
                        **{column: wanted}
                    )
