from django.contrib import admin, messages

from outbox.models import Email
from outbox.services import email_retry


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "kind", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["to", "subject", "ref_type", "=ref_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Email._meta.fields]
    actions = ["retry_failed"]

    @admin.action(description="Send failed emails again")
    def retry_failed(self, request, queryset):
        count = 0
        for email in queryset.filter(status=Email.Status.FAILED):
            email_retry(email=email)
            count += 1
        self.message_user(request, f"{count} emails queued again.", messages.SUCCESS)
