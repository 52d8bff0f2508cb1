from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from badges.models import (
    Activity,
    Assertion,
    AssertionClaim,
    BadgeClass,
    BadgeEvent,
    BadgeLink,
    EvidenceSubmission,
    PendingLinkClaim,
    Playlist,
    PlaylistItem,
    Quest,
    Task,
)


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    extra = 0
    raw_id_fields = ["activity"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "status", "start_date", "end_date", "place", "created_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["title", "description", "place", "public_id", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = ["public_id", "created_at", "published_at"]


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "status", "rule", "min_count", "created_at"]
    list_filter = ["status", "rule", "organisation"]
    search_fields = ["title", "description", "public_id", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = ["public_id", "created_at", "published_at"]
    inlines = [PlaylistItemInline]


@admin.register(PlaylistItem)
class PlaylistItemAdmin(admin.ModelAdmin):
    list_display = ["playlist", "activity", "position"]
    list_filter = ["playlist__organisation"]
    search_fields = ["playlist__title", "activity__title"]
    list_select_related = ["playlist", "activity"]


@admin.register(BadgeClass)
class BadgeClassAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "public_id", "activity", "playlist", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "description", "public_id", "organisation__name"]
    list_select_related = ["organisation", "activity", "playlist"]
    # The image is uploaded on the badge's page, where the sanitiser rebuilds it; never here as uploaded.
    readonly_fields = ["public_id", "created_at", "updated_at", "image"]
    inlines = [TaskInline]
    fieldsets = [
        (None, {"fields": ["organisation", "public_id", "activity", "playlist", "name", "description", "criteria"]}),
        (_("Image"), {"fields": ["image", "colour"]}),
        (_("Expiry"), {"fields": ["expires_after", "expires_after_unit", "expires_on"]}),
        (
            _("Alignment and tags"),
            {
                "fields": ["alignment", "tags"],
                "description": _(
                    "Alignment: a JSON list of objects with targetName and targetUrl (required), and "
                    "targetDescription, targetFramework, targetCode. Tags: a JSON list of words."
                ),
            },
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "badge", "evidence_kind", "approval", "peer_review_days", "position"]
    list_filter = ["evidence_kind", "approval", "badge__organisation"]
    search_fields = ["title", "badge__name"]
    list_select_related = ["badge"]


@admin.register(Quest)
class QuestAdmin(admin.ModelAdmin):
    list_display = ["learner", "badge", "status", "started_at", "completed_at"]
    list_filter = ["status", "badge__organisation"]
    search_fields = ["learner__email", "badge__name"]
    list_select_related = ["learner", "badge"]
    raw_id_fields = ["learner"]


@admin.register(EvidenceSubmission)
class EvidenceSubmissionAdmin(admin.ModelAdmin):
    list_display = ["learner", "task", "status", "escalated", "submitted_at", "reviewer", "reviewed_at"]
    list_filter = ["status", "escalated", "task__approval", "task__badge__organisation"]
    search_fields = ["learner__email", "task__title", "task__badge__name", "public_id"]
    list_select_related = ["learner", "task", "reviewer"]
    raw_id_fields = ["learner", "reviewer"]
    readonly_fields = ["public_id"]


@admin.register(Assertion)
class AssertionAdmin(admin.ModelAdmin):
    list_display = ["recipient_email", "badge", "source", "issued_on", "expires", "revoked_at", "recipient"]
    list_filter = ["source", "badge__organisation", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient_email", "public_id", "badge__name"]
    list_select_related = ["badge", "recipient"]
    raw_id_fields = ["recipient", "issued_by", "revoked_by"]
    readonly_fields = ["public_id", "salt", "identity", "baked_image", "status_list", "status_index"]


@admin.register(AssertionClaim)
class AssertionClaimAdmin(admin.ModelAdmin):
    list_display = ["assertion", "expires_at", "used_at", "used_by"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["assertion__recipient_email", "assertion__public_id"]
    list_select_related = ["assertion__badge", "used_by"]
    raw_id_fields = ["assertion", "used_by"]
    readonly_fields = ["token_hash"]


@admin.register(BadgeLink)
class BadgeLinkAdmin(admin.ModelAdmin):
    list_display = ["badge", "enabled", "expires_at", "max_claims", "claims_count"]
    list_filter = ["enabled", "badge__organisation"]
    search_fields = ["badge__name"]
    list_select_related = ["badge"]


@admin.register(BadgeEvent)
class BadgeEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "action", "badge", "actor", "detail"]
    list_filter = ["action", "organisation"]
    search_fields = ["detail", "actor__email", "badge__name"]
    list_select_related = ["organisation", "badge", "actor"]
    raw_id_fields = ["actor"]


@admin.register(PendingLinkClaim)
class PendingLinkClaimAdmin(admin.ModelAdmin):
    list_display = ["user", "link", "created_at"]
    list_filter = ["link__badge__organisation"]
    search_fields = ["user__email", "link__badge__name"]
    list_select_related = ["user", "link__badge"]
    raw_id_fields = ["user", "link"]
