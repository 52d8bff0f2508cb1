from django.contrib import admin

from certificates.models import AuditEntry, Certificate, Individual, IndividualInvitation, Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "activity_type", "start_date", "end_date", "language"]
    list_filter = ["activity_type", "language", "organisation"]
    search_fields = ["title", "venue", "organisation__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "start_date"


@admin.register(Individual)
class IndividualAdmin(admin.ModelAdmin):
    list_display = ["surname", "first_name", "email", "project", "role", "status", "user", "submitted_at"]
    list_filter = ["status", "role", "project__organisation"]
    search_fields = ["first_name", "surname", "email", "project__title", "public_id"]
    list_select_related = ["project", "user"]
    raw_id_fields = ["project", "user"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(IndividualInvitation)
class IndividualInvitationAdmin(admin.ModelAdmin):
    list_display = ["individual", "kind", "status", "expires_at", "created_at", "used_at"]
    list_filter = ["kind", "status"]
    search_fields = ["individual__email", "individual__surname", "individual__project__title"]
    list_select_related = ["individual"]
    raw_id_fields = ["individual", "created_by", "used_by"]
    readonly_fields = ["token_hash", "created_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "individual", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["individual__email", "individual__surname", "actor__email"]
    list_select_related = ["individual", "actor"]
    raw_id_fields = ["individual", "actor"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "individual", "status", "issued_at", "rendered_at"]
    list_filter = ["status", "individual__project__organisation"]
    search_fields = ["code", "individual__email", "individual__surname", "individual__project__title"]
    list_select_related = ["individual"]
    raw_id_fields = ["individual", "generated_by", "revoked_by"]
    readonly_fields = ["code", "issued_at", "rendered_at", "status_list", "status_index"]
