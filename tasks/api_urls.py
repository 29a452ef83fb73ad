"""URLs of the tasks API, included under /api/v1/."""

from django.urls import path, re_path

from . import api

urlpatterns = [
    path("tasks/", api.TaskListApi.as_view(), name="api_tasks"),
    path("content-metrics/", api.ContentMetricIngestApi.as_view(), name="api_content_metrics"),
    path("tasks/<int:task_id>/", api.TaskDetailApi.as_view(), name="api_task"),
    path("tasks/<int:task_id>/pay/", api.TaskPayApi.as_view(), name="api_task_pay"),
    re_path(
        r"^tasks/(?P<task_id>\d+)/(?P<action>close-enrollment|cancel|close)/$",
        api.TaskActionApi.as_view(),
        name="api_task_action",
    ),
    path(
        "tasks/<int:task_id>/applications/",
        api.TaskApplicationsApi.as_view(),
        name="api_task_applications",
    ),
    path(
        "tasks/<int:task_id>/proposals/",
        api.TaskProposalsApi.as_view(),
        name="api_task_proposals",
    ),
    re_path(
        r"^applications/(?P<application_id>\d+)/(?P<action>approve|reject|withdraw)/$",
        api.ApplicationActionApi.as_view(),
        name="api_application_action",
    ),
    re_path(
        r"^proposals/(?P<proposal_id>\d+)/(?P<action>accept|reject|withdraw)/$",
        api.ProposalActionApi.as_view(),
        name="api_proposal_action",
    ),
    path("orders/", api.OrderListApi.as_view(), name="api_orders"),
    path("orders/<int:order_id>/", api.OrderDetailApi.as_view(), name="api_order"),
    path(
        "orders/<int:order_id>/messages/",
        api.OrderMessagesApi.as_view(),
        name="api_order_messages",
    ),
    re_path(
        r"^orders/(?P<order_id>\d+)/(?P<action>pay|accept|decline|cancel|restore-price|"
        r"pay-balance|deliver|request-revision|confirm|dispute)/$",
        api.OrderActionApi.as_view(),
        name="api_order_action",
    ),
    path("payments/balances/", api.BalancesApi.as_view(), name="api_balances"),
    path("notifications/", api.NotificationListApi.as_view(), name="api_notifications"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="api_notifications_read"),
    path("announcements/", api.AnnouncementListApi.as_view(), name="api_announcements"),
]
