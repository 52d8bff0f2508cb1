from django.contrib import admin

from certificates.models import (
    AuditEntry,
    Certificate,
    CertificateCopy,
    Individual,
    IndividualInvitation,
    Project,
    ProjectPartner,
)


class PartnerInline(admin.TabularInline):
    model = ProjectPartner
    extra = 0
    fields = ["position", "name", "country"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "programme", "grant_number", "activity_type", "start_date", "language"]
    list_filter = ["programme", "activity_type", "language", "organisation"]
    search_fields = ["title", "venue", "grant_number", "programme_name", "organisation__name", "partners__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "start_date"
    inlines = [PartnerInline]


@admin.register(Individual)
class IndividualAdmin(admin.ModelAdmin):
    list_display = [
        "surname",
        "first_name",
        "email",
        "project",
        "role",
        "status",
        "edit_deadline",
        "user",
        "submitted_at",
    ]
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


@admin.register(CertificateCopy)
class CertificateCopyAdmin(admin.ModelAdmin):
    list_display = ["certificate", "language", "requested_at", "rendered_at"]
    list_filter = ["language"]
    search_fields = ["certificate__code", "certificate__individual__email", "certificate__individual__surname"]
    list_select_related = ["certificate"]
    raw_id_fields = ["certificate"]
    readonly_fields = ["requested_at", "rendered_at"]
