"""The portal page where a customer sets or changes their anti-phishing code (the rules and
the event are in kefu.trust.anti_phishing)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Customer
from kefu.errors import ApiError
from kefu.trust.anti_phishing import MAX_LENGTH, set_code

from .portal import customer_required


class AntiPhishingForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Anti-phishing code"),
        max_length=MAX_LENGTH * 2,  # the service says what is wrong with a long one
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@customer_required
def anti_phishing(request: HttpRequest, customer: Customer) -> HttpResponse:
    form = AntiPhishingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_code(customer, form.cleaned_data["code"])
        except ApiError as problem:
            form.add_error("code", problem.message)
        else:
            messages.success(
                request, _("Saved. Every email from us will show your anti-phishing code.")
            )
            return redirect("portal-anti-phishing")
    return render(
        request,
        "web/portal/anti_phishing.html",
        {"customer": customer, "form": form},
        status=400 if form.errors else 200,
    )
