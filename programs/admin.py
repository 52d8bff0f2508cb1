from django import forms
from django.contrib import admin

from learnerpass.lib.filenames import validate_code
from programs.models import (
    Enrolment,
    ImportBatch,
    ImportBatchRows,
    Invitation,
    InvitationRun,
    LearnerLink,
    Program,
    ProgramLearnerAdmin,
    ProgramRun,
)


class CodeAdminForm(forms.ModelForm):
    """Staff follow the code pattern too (learnerpass/lib/filenames.py): codes name the CSV exports."""

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        validate_code(code)
        return code


class ProgramRunInline(admin.TabularInline):
    model = ProgramRun
    form = CodeAdminForm
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = CodeAdminForm
    list_display = ["name", "code", "kind", "organisation", "created_at"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "code", "organisation__name"]
    list_select_related = ["organisation"]
    inlines = [ProgramRunInline]


@admin.register(ProgramRun)
class ProgramRunAdmin(admin.ModelAdmin):
    form = CodeAdminForm
    list_display = ["code", "name", "program", "starts_on", "ends_on", "is_open"]
    list_filter = ["is_open", "program__organisation"]
    search_fields = ["code", "name", "program__code", "program__name"]
    list_select_related = ["program"]


@admin.register(ProgramLearnerAdmin)
class ProgramLearnerAdminAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "granted_by", "created_at"]
    list_filter = ["program__organisation"]
    search_fields = ["user__email", "program__code", "program__name"]
    list_select_related = ["user", "program", "granted_by"]
    raw_id_fields = ["user", "granted_by"]


@admin.register(LearnerLink)
class LearnerLinkAdmin(admin.ModelAdmin):
    list_display = ["external_learner_id", "user", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["external_learner_id", "user__email"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user"]


class InvitationRunInline(admin.TabularInline):
    model = InvitationRun
    extra = 0
    raw_id_fields = ["run"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["external_learner_id", "email", "program", "status", "valid_until", "expires_at", "created_at"]
    list_filter = ["status", "organisation", "program"]
    search_fields = ["external_learner_id", "email", "program__code"]
    list_select_related = ["program", "organisation"]
    raw_id_fields = ["batch", "created_by", "canceled_by", "accepted_by", "resent_by"]
    readonly_fields = ["token_hash"]
    inlines = [InvitationRunInline]


@admin.register(InvitationRun)
class InvitationRunAdmin(admin.ModelAdmin):
    list_display = ["invitation", "run"]
    list_filter = ["run__program__organisation"]
    search_fields = ["invitation__external_learner_id", "invitation__email", "run__code"]
    list_select_related = ["invitation__program", "run__program"]
    raw_id_fields = ["invitation", "run"]


class UnenrolledFilter(admin.SimpleListFilter):
    title = "unenrolled"
    parameter_name = "unenrolled"

    def lookups(self, request, model_admin):
        return [("no", "On the run"), ("yes", "Unenrolled")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(unenrolled_at__isnull=self.value() == "no")
        return queryset


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "external_learner_id", "run", "source", "organisation", "created_at", "unenrolled_at"]
    list_filter = ["source", UnenrolledFilter, "organisation"]
    search_fields = ["user__email", "external_learner_id", "run__code", "run__program__code", "unenrol_reason"]
    list_select_related = ["user", "run__program", "organisation"]
    raw_id_fields = ["user", "run", "invitation", "created_by", "unenrolled_by"]
    date_hierarchy = "created_at"


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "organisation",
        "program",
        "uploaded_by",
        "status",
        "encoding",
        "row_count",
        "error_count",
        "created_at",
        "superseded_at",
    ]
    list_filter = ["status", "encoding", "organisation"]
    search_fields = ["file_name", "uploaded_by__email"]
    list_select_related = ["organisation", "program", "uploaded_by"]
    raw_id_fields = ["uploaded_by", "program", "superseded_by"]
    exclude = ["errors", "notices"]


@admin.register(ImportBatchRows)
class ImportBatchRowsAdmin(admin.ModelAdmin):
    list_display = ["batch"]
    list_filter = ["batch__status"]
    search_fields = ["batch__file_name"]
    list_select_related = ["batch"]
    exclude = ["rows", "other_rows"]
