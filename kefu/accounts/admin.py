from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kefu.trust import access
from kefu.trust.personal_admin import PersonalDataAdminMixin

from .models import Agent, Customer, Skill, Team


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
