"""URL map. Tenant pages live under /<coop_slug>/, the tenant API under /api/v1/<coop_slug>/.

Every URL keyword that names an object ends in `_id` and names its model (member_id, job_id ...),
so the cross-tenant probe in tests/test_tenancy_probe.py can fill it with another coop's object.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from coop import views
from coop.api import JobDetailAPI
from coop.media import PUBLIC_DIR
from coop.views_media import public_media
from members import api as members_api
from members import views as members_views
from members.views_logout import logout

coop_api_patterns = [
    path("members/", members_api.MemberListAPI.as_view(), name="api_member_list"),
    path("jobs/<int:job_id>/", JobDetailAPI.as_view(), name="api_job_detail"),
    path("", include("catalog.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("logistics.api_urls")),
    path("", include("logistics.api_urls_planning")),
    path("", include("invoicing.api_urls")),
    path("", include("invoicing.api_urls_costs")),
    path("", include("invoicing.settlements.api_urls")),
    path("", include("orders.api_urls_b2b")),
]

coop_page_patterns = [
    path("", views.coop_home, name="coop_home"),
    path("members/", members_views.member_list, name="member_list"),
    path("members/<int:member_id>/", members_views.member_edit, name="member_edit"),
    path("members/<int:member_id>/remove/", members_views.member_remove, name="member_remove"),
    path("invitations/<str:token>/", members_views.invitation_accept, name="invitation_accept"),
    path("jobs/worker-check/", views.worker_check_start, name="worker_check_start"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("", include("catalog.urls_public")),
    path("producer/", include("catalog.urls_portal")),
    path("", include("orders.urls_shop")),
    path("manage/", include("orders.urls_manage")),
    path("hub/", include("logistics.urls")),
    path("driver/", include("logistics.urls_driver")),
    path("invoices/", include("invoicing.urls")),
    path("economics/", include("invoicing.urls_costs")),
    path("settlements/", include("invoicing.settlements.urls")),
    path("", include("orders.urls_b2b")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    # Only the public images; private files in MEDIA_ROOT are served by views that check who asks (coop/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/{PUBLIC_DIR}/<path:path>", public_media, name="public_media"),
    path("admin/", admin.site.urls),
    path("accounts/logout/", logout, name="account_logout"),  # allauth's, telling the browser to forget its cache
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/v1/me/", members_api.MeAPI.as_view(), name="api_me"),
    path("api/v1/<slug:coop_slug>/", include(coop_api_patterns)),
    path("<slug:coop_slug>/", include(coop_page_patterns)),
]
