"""REST API of service providers (P1–P7), under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("providers/", api.ProviderListApi.as_view(), name="api_providers"),
    path(
        "providers/applications/",
        api.ApplicationListApi.as_view(),
        name="api_provider_applications",
    ),
    path(
        "providers/applications/<int:application_id>/",
        api.ApplicationDetailApi.as_view(),
        name="api_provider_application",
    ),
    path(
        "providers/applications/<int:application_id>/submit/",
        api.ApplicationSubmitApi.as_view(),
        name="api_provider_application_submit",
    ),
    path(
        "providers/applications/<int:application_id>/documents/",
        api.DocumentUploadApi.as_view(),
        name="api_provider_documents",
    ),
    path(
        "providers/documents/<int:document_id>/",
        api.DocumentApi.as_view(),
        name="api_provider_document",
    ),
    path(
        "providers/documents/<int:document_id>/download/",
        api.DocumentDownloadApi.as_view(),
        name="api_provider_document_download",
    ),
    path("delegations/", api.DelegationListApi.as_view(), name="api_delegations"),
    path(
        "reports/closing/<int:shop_id>/",
        api.ClosingReportApi.as_view(),
        name="api_closing_report",
    ),
    path(
        "delegations/<int:delegation_id>/revoke/",
        api.DelegationRevokeApi.as_view(),
        name="api_delegation_revoke",
    ),
    path(
        "shops/<int:shop_id>/delegations/",
        api.ShopDelegationApi.as_view(),
        name="api_shop_delegations",
    ),
]
