from django.contrib import admin, messages

from jobs.models import Job, WorkerBeat
from jobs.services import JobsError, job_retry


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "organisation", "state", "done", "total", "attempts", "heartbeat_at"]
    list_filter = ["state", "kind", "follows"]
    search_fields = ["public_id", "kind", "ref_type", "=ref_id", "organisation__name", "started_by__email"]
    date_hierarchy = "created_at"
    list_select_related = ["organisation"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry"]

    @admin.action(description="Queue stuck or lost jobs again")
    def retry(self, request, queryset):
        count = 0
        for job in queryset:
            try:
                job_retry(job=job, retried_by=request.user)
            except JobsError:
                continue
            count += 1
        self.message_user(request, f"{count} jobs queued again.", messages.SUCCESS)


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin):
    list_display = ["name", "at"]
    readonly_fields = ["name", "at"]
