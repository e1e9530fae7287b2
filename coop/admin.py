from django.contrib import admin

from coop.models import Cooperative, Job

# The Django admin sees every cooperative at once, so it is for platform superusers only.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enterprise_number", "is_active", "is_listed"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "legal_name"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "coop", "status", "progress", "created_at"]
    list_filter = ["coop", "status", "kind"]
