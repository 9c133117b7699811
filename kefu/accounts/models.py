"""Who is involved in support: staff (agents), their teams and skills, and customers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.events.models import AppendOnlyModel
from kefu.trust.fields import (
    EncryptedCharField,
    EncryptedEmailField,
    EncryptedTextField,
    LookupHashField,
    with_lookups,
)


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    CONTENT_EDITOR = "content_editor", _("Content editor")


class SupportLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Skill(models.Model):
    """Something an agent can handle, e.g. "futures" or "kyc"; routing matches on it."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentManager(UserManager["Agent"]):
    def create_superuser(self, username, email=None, password=None, **extra_fields):  # type: ignore[no-untyped-def]
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Agent(AbstractUser):
    """A member of the exchange's support staff. Every staff account has exactly one role."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Language codes, e.g. zh-hans, en.")
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="agents")
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), blank=True, related_name="agents"
    )

    objects: AgentManager = AgentManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Staff accounts all use the back office; administrators may do everything there.
        self.is_staff = True
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.username


class Customer(models.Model):
    """A user of the exchange, known by the exchange's own user id."""

    exchange_uid = models.CharField(_("exchange user id"), max_length=64, unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    vip_tier = models.PositiveSmallIntegerField(
        _("VIP tier"), default=0, validators=[MaxValueValidator(9)]
    )
    kyc_level = models.PositiveSmallIntegerField(
        _("KYC level"), default=0, validators=[MinValueValidator(0), MaxValueValidator(3)]
    )
    language = models.CharField(
        _("language"), max_length=10, choices=SupportLanguage.choices, default=SupportLanguage.EN
    )
    # Personal data: encrypted at rest, found by keyed hash (see kefu.trust.fields).
    email = EncryptedEmailField(_("email"), blank=True)
    email_lookup = LookupHashField(source="email", kind="email")
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    phone_lookup = LookupHashField(source="phone", kind="phone")
    real_name = EncryptedCharField(_("real name"), max_length=200, blank=True)
    kyc_notes = EncryptedTextField(_("KYC notes"), blank=True)
    erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True, editable=False
    )
    anti_phishing_code = models.CharField(
        _("anti-phishing code"),
        max_length=20,
        blank=True,
        help_text=_("Shown in every email we send, so the customer can tell ours from fakes."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["exchange_uid"]

    def __str__(self) -> str:
        return self.display_name or self.exchange_uid

    def save(self, *args, update_fields=None, **kwargs):  # type: ignore[no-untyped-def]
        super().save(*args, update_fields=with_lookups(Customer, update_fields), **kwargs)


class SavedTicketView(models.Model):
    """An agent's named ticket list: the filters and sort order of the list page, as a query
    string, so that "my urgent deposits, soonest breach first" is one click."""

    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=500)

    class Meta:
        verbose_name = _("saved ticket view")
        verbose_name_plural = _("saved ticket views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "name"], name="saved_view_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SignInOutcome(models.TextChoices):
    SUCCESS = "success", _("Signed in")
    BAD_PASSWORD = "bad_password", _("Wrong username or password")
    BAD_CODE = "bad_code", _("Wrong two-factor code")
    LOCKED = "locked", _("Refused: locked")
    ENROLLED = "enrolled", _("Set up two-factor and signed in")


class StaffSignIn(AppendOnlyModel):
    """One attempt to sign in to a staff account, whatever its outcome: who tried (the username
    typed, and the account when it exists), from where, and what happened. Append-only, so
    that a stolen password or a guessing run shows afterwards."""

    agent = models.ForeignKey(
        Agent,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_ins",
    )
    username = models.CharField(_("username typed"), max_length=150)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=SignInOutcome.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staff sign-in")
        verbose_name_plural = _("staff sign-ins")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "-at"], name="staff_sign_in_agent_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} {self.at:%Y-%m-%d %H:%M}"
