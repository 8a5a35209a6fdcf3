"""Administration of what officers have no page for yet: employers' mail domains, opt-outs."""

from __future__ import annotations

from django.contrib import admin

from mandate.messaging.models import EmployerEmailDomain, OptOut


@admin.register(EmployerEmailDomain)
class EmployerEmailDomainAdmin(admin.ModelAdmin[EmployerEmailDomain]):
    list_display = ("domain", "employer")
    list_select_related = ("employer",)
    search_fields = ("domain", "employer__name")
    autocomplete_fields = ()
    raw_id_fields = ("employer",)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin[OptOut]):
    list_display = ("member", "channel", "source", "at")
    list_filter = ("channel", "source")
    raw_id_fields = ("member", "recorded_by")
    date_hierarchy = "at"
