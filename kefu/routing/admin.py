from django.contrib import admin

from .models import Presence, Queue, QueueEntry


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "team", "language", "skill", "fallback", "overflow_after"]
    list_filter = ["team", "language"]


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["agent", "status", "capacity", "idle_since", "seen_at"]
    list_filter = ["status"]


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ["ticket", "queue", "priority_class", "enqueued_at", "requeued", "overflowed"]
    list_filter = ["queue", "priority_class"]
    raw_id_fields = ["ticket"]
