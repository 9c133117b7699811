"""Forms of the customer portal. A new-ticket form is built from its category's fields, so the
portal asks exactly what the agents will need; the rules themselves live in kefu.tickets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.tickets.categories import Category
from kefu.tickets.models import Priority

PRIORITY_REQUESTS = [
    ("", _("Normal")),
    (Priority.HIGH, _("High — ask for faster handling")),
    (Priority.URGENT, _("Urgent — funds or account at risk")),
]


class NewTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 6})
    )
    attachment = forms.FileField(
        label=_("Screenshot or document (PNG, JPEG, GIF, WebP, PDF)"), required=False
    )
    requested_priority = forms.ChoiceField(
        label=_("Priority"), choices=PRIORITY_REQUESTS, required=False
    )

    def __init__(self, category: Category, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        for spec in category.fields:
            self.fields[f"field_{spec.name}"] = forms.CharField(
                label=spec.label, required=spec.required, max_length=500
            )

    def category_fields(self) -> dict[str, str]:
        return {
            spec.name: self.cleaned_data.get(f"field_{spec.name}", "")
            for spec in self.category.fields
        }

    def field_rows(self) -> list[forms.BoundField]:
        return [self[f"field_{spec.name}"] for spec in self.category.fields]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(label=_("Attach a file"), required=False)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How did we do?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
