from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kefu.trust import access
from kefu.trust.personal_admin import PersonalDataAdminMixin

from . import sign_in, two_factor
from .models import Agent, Customer, Role, Skill, StaffSignIn, Team


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "email", "is_active", "last_login"]
    list_filter = ["role", "is_active", "teams"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Support"), {"fields": ("role", "languages", "teams", "skills")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    filter_horizontal = ["teams", "skills"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description=_("Unlock sign-in"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):  # type: ignore[no-untyped-def]
        unlocked = [a.username for a in queryset if sign_in.unlock(a, by=request.user)]
        self.message_user(
            request,
            _("Unlocked: %(names)s.") % {"names": ", ".join(unlocked)}
            if unlocked
            else _("None of these accounts was locked."),
        )

    @admin.action(
        description=_("Reset two-factor (set up again at next sign-in)"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):  # type: ignore[no-untyped-def]
        for agent in queryset:
            two_factor.reset(agent, by=request.user)
        self.message_user(
            request,
            _("%(count)d accounts will set up their authenticator at their next sign-in.")
            % {"count": queryset.count()},
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Customer)
class CustomerAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Administrators only: agents and supervisors meet customers through their teams' tickets
    and chats, never as a list of everyone."""

    list_display = ["exchange_uid", "display_name", "vip_tier", "kyc_level", "language"]
    list_filter = ["vip_tier", "kyc_level", "language"]
    search_fields = ["exchange_uid", "display_name"]

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return access.sees_everything(request.user)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return access.sees_everything(request.user)


@admin.register(StaffSignIn)
class StaffSignInAdmin(admin.ModelAdmin):
    """Every staff sign-in attempt, read-only, for administrators and supervisors."""

    list_display = ["at", "username", "agent", "outcome", "ip", "user_agent"]
    list_filter = ["outcome"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"
    readonly_fields = ["at", "username", "agent", "outcome", "ip", "user_agent"]

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return getattr(request.user, "role", None) in (Role.ADMIN, Role.SUPERVISOR)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
