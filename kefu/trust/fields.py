"""Model fields for personal data: encrypted at rest, found through a keyed-hash column.

``email = EncryptedEmailField(...)`` stores a Fernet token and gives Python the plaintext;
``email_lookup = LookupHashField(source="email", kind="email")`` keeps the keyed hash of the
normalised value up to date on every save, so ``filter(email_lookup=lookup_hash("email", x))``
finds the row. Filtering on the encrypted column itself is refused (a randomised token never
equals anything), except for blank checks.

``QuerySet.update()`` bypasses ``save()``: update a lookup column there too, or use ``save()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.lookups import Exact, IsNull

from .crypto import decrypt, encrypt, lookup_hash


class BlankOnlyExact(Exact):
    """``field=""`` works (blank rows); any other value would silently match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.target.name} is encrypted: filter on its lookup column instead."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Free text kept as a token under the newest field key; blank stays blank."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return BlankOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None


class EncryptedCharField(EncryptedTextField):
    """A one-line value (a name, a phone number): a text input and a length limit on the
    plaintext; the column is unbounded because tokens are longer than what they hold."""

    form_class: type[forms.CharField] = forms.CharField

    def __init__(self, *args: Any, max_length: int = 200, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.validators.append(MaxLengthValidator(max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_length"] = self.max_length
        return name, path, args, kwargs

    def formfield(  # type: ignore[override]
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        return models.Field.formfield(
            self,
            form_class=form_class or self.form_class,
            choices_form_class=choices_form_class,
            **{"max_length": self.max_length, **kwargs},
        )


class EncryptedEmailField(EncryptedCharField):
    form_class = forms.EmailField

    def __init__(self, *args: Any, max_length: int = 254, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)


LOOKUP_DEFAULTS: dict[str, Any] = {
    "max_length": 64,
    "editable": False,
    "blank": True,
    "default": "",
    "db_index": True,
}


class LookupHashField(models.CharField):  # type: ignore[type-arg]
    """HMAC-SHA256 of another field's normalised value, recomputed whenever the row is saved."""

    def __init__(self, *args: Any, source: str, kind: str, **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        super().__init__(*args, **{**LOOKUP_DEFAULTS, **kwargs})

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        for key, default in LOOKUP_DEFAULTS.items():
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = lookup_hash(self.kind, getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def lookup_fields(model: type[models.Model]) -> list[LookupHashField]:
    return [f for f in model._meta.get_fields() if isinstance(f, LookupHashField)]


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]


def with_lookups(
    model: type[models.Model], update_fields: Iterable[str] | None
) -> Iterable[str] | None:
    """``update_fields`` plus the lookup columns of any source in it, for ``Model.save``: a
    save of ``email`` alone must refresh ``email_lookup`` too."""
    if update_fields is None:
        return None
    names = set(update_fields)
    names |= {f.name for f in lookup_fields(model) if f.source in names}
    return names
