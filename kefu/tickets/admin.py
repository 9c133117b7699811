from django.contrib import admin

from .models import Attachment, CannedReply, Message, SatisfactionRating, Ticket


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("seq", "author", "agent", "text", "internal", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "channel", "status", "chat_state", "priority", "team", "assignee"]
    list_filter = ["channel", "status", "chat_state", "priority", "team"]
    search_fields = ["public_id", "customer__exchange_uid", "subject"]
    raw_id_fields = ["customer", "conversation", "assignee"]
    inlines = [MessageInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    list_display = ["ticket", "score", "created_at"]
    raw_id_fields = ["ticket"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "team"]
    list_filter = ["language", "team"]
