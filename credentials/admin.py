from django.contrib import admin

from credentials.models import SigningKey, StatusList


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "public_key_multibase", "created_at", "retired_at"]
    list_filter = [("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["organisation__name", "organisation__slug", "public_key_multibase"]
    # The private key is never shown, not even encrypted.
    fields = ["organisation", "public_key_multibase", "created_at", "retired_at"]
    readonly_fields = ["organisation", "public_key_multibase", "created_at"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["organisation", "public_id", "purpose", "allocated", "size", "changed_at"]
    list_filter = ["purpose"]
    search_fields = ["organisation__name", "organisation__slug", "public_id"]
    fields = ["organisation", "public_id", "purpose", "allocated", "size", "changed_at"]
    readonly_fields = fields
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False
