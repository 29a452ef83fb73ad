"""Pages of service providers (P1–P7): admission, the provider's workspace, delegation,
closing reports."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="provider_home"),
    path("apply/", views.apply_start, name="provider_apply"),
    path("apply/company/", views.apply_company, name="provider_apply_company"),
    path("apply/documents/", views.apply_documents, name="provider_apply_documents"),
    path("apply/performance/", views.apply_performance, name="provider_apply_performance"),
    path("apply/review/", views.apply_review, name="provider_apply_review"),
    path(
        "documents/<int:document_id>/download/",
        views.document_download,
        name="provider_document_download",
    ),
    path(
        "documents/<int:document_id>/remove/",
        views.document_remove,
        name="provider_document_remove",
    ),
    path("delegations/", views.delegations, name="provider_delegations"),
    path(
        "delegations/<int:delegation_id>/revoke/",
        views.delegation_revoke,
        name="provider_delegation_revoke",
    ),
    path("reports/<int:shop_id>/", views.report, name="provider_report"),
]
