from django.contrib import admin

from .models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """T1: ops edit channels, including whether creators may post recruitment tasks."""

    list_display = ["name", "code", "name_en", "allows_recruitment", "is_active", "sort_order"]
    list_editable = ["allows_recruitment", "is_active", "sort_order"]
    search_fields = ["name", "code", "name_en"]
