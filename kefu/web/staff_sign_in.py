"""The staff sign-in pages: password, then the authenticator's code (or setting one up).
The back office's own login page sends staff here, so there is one way in for everyone
(kefu/accounts/sign_in.py has the rules)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from kefu.accounts import sign_in, staff_session, two_factor
from kefu.accounts.models import Agent, SignInOutcome
from kefu.accounts.sign_in import SignInRefused
from kefu.accounts.staff_session import Standing


class StaffPasswordForm(AuthenticationForm):
    """Django's sign-in form, with the lockout and the sign-in record around the password."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password and self.request is not None:
            try:
                self.user_cache = sign_in.check_password(self.request, username, password)
            except SignInRefused as refused:
                raise ValidationError(refused.message, code=refused.outcome) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Six-digit code"), max_length=8, strip=True)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console")


def _step_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


ENDED_MESSAGES = {
    Standing.IDLE.value: gettext_lazy("You were signed out after a period of inactivity."),
    Standing.EXPIRED.value: gettext_lazy("Your session reached its time limit. Please sign in."),
}


class ConsoleLoginView(LoginView):
    """Step one: username and password."""

    template_name = "console/login.html"
    form_class = StaffPasswordForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("console")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ended = self.request.session.pop(staff_session.ENDED, None)
        context["ended"] = ENDED_MESSAGES.get(ended) if ended else None
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:  # type: ignore[override]
        agent: Agent = form.get_user()  # type: ignore[assignment]
        sign_in.start_second_step(self.request, agent)
        step = "console-login-code" if two_factor.confirmed_device(agent) else "console-login-setup"
        return HttpResponseRedirect(_step_url(step, _next_url(self.request)))


def _second_step(request: HttpRequest, *, setting_up: bool) -> HttpResponse:
    next_url = _next_url(request)
    agent = sign_in.pending_agent(request)
    if agent is None:
        return redirect(_step_url("console-login", next_url))
    has_device = two_factor.confirmed_device(agent) is not None
    if has_device == setting_up:
        other = "console-login-code" if has_device else "console-login-setup"
        return redirect(_step_url(other, next_url))
    device = two_factor.enrollment_device(agent) if setting_up else None
    form = CodeForm(request.POST if request.method == "POST" else None)
    locked = False
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if device is not None:
                verified = sign_in.confirm_enrollment(request, agent, device, code)
            else:
                verified = sign_in.check_code(request, agent, code)
        except SignInRefused as refused:
            form.add_error("code", refused.message)
            if refused.outcome == SignInOutcome.LOCKED:
                locked = True
                sign_in.forget_pending(request)
        else:
            sign_in.forget_pending(request)
            staff_session.begin(request, agent, verified)
            return redirect(next_url)
    context: dict[str, Any] = {"form": form, "agent": agent, "next": next_url, "locked": locked}
    if device is not None:
        context |= {
            "secret": " ".join(_chunks(two_factor.secret(device), 4)),
            "otpauth_uri": two_factor.otpauth_uri(device),
            "qr_code": two_factor.qr_code_data_uri(device),
        }
    template = "console/login_setup.html" if setting_up else "console/login_code.html"
    return render(request, template, context)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def code_step(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the account's authenticator."""
    return _second_step(request, setting_up=False)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def setup_step(request: HttpRequest) -> HttpResponse:
    """Step two for an account without an authenticator: set one up, confirm with a code."""
    return _second_step(request, setting_up=True)


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The back office's login page: the same two steps as the console, then back."""
    return redirect(_step_url("console-login", request.GET.get("next") or reverse("admin:index")))
