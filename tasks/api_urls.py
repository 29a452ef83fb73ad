"""URLs of the tasks API, included under /api/v1/."""

from django.urls import path

from core.schema import action_paths

from . import api

urlpatterns = [
    path("tasks/", api.TaskListApi.as_view(), name="api_tasks"),
    path("content-metrics/", api.ContentMetricIngestApi.as_view(), name="api_content_metrics"),
    path("tasks/<int:task_id>/", api.TaskDetailApi.as_view(), name="api_task"),
    path("tasks/<int:task_id>/pay/", api.TaskPayApi.as_view(), name="api_task_pay"),
    # Z6: one route (one OpenAPI operation) per action; the action is an extra keyword
    # argument, so reverse("api_task_action", kwargs={"task_id": …, "action": …}) still works.
    *action_paths("tasks/<int:task_id>/", api.TASK_ACTION_VIEWS, name="api_task_action"),
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
    *action_paths(
        "applications/<int:application_id>/",
        api.APPLICATION_ACTION_VIEWS,
        name="api_application_action",
    ),
    *action_paths(
        "proposals/<int:proposal_id>/", api.PROPOSAL_ACTION_VIEWS, name="api_proposal_action"
    ),
    path("orders/", api.OrderListApi.as_view(), name="api_orders"),
    path("orders/<int:order_id>/", api.OrderDetailApi.as_view(), name="api_order"),
    path(
        "orders/<int:order_id>/messages/",
        api.OrderMessagesApi.as_view(),
        name="api_order_messages",
    ),
    *action_paths("orders/<int:order_id>/", api.ORDER_ACTION_VIEWS, name="api_order_action"),
    path("payments/balances/", api.BalancesApi.as_view(), name="api_balances"),
    path("notifications/", api.NotificationListApi.as_view(), name="api_notifications"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="api_notifications_read"),
    path("announcements/", api.AnnouncementListApi.as_view(), name="api_announcements"),
]
