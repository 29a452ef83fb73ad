"""URLs of the tasks API, included under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("tasks/", api.TaskListApi.as_view(), name="api_tasks"),
    path("content-metrics/", api.ContentMetricIngestApi.as_view(), name="api_content_metrics"),
    path("tasks/<int:task_id>/", api.TaskDetailApi.as_view(), name="api_task"),
    path("tasks/<int:task_id>/pay/", api.TaskPayApi.as_view(), name="api_task_pay"),
    # Z6: one route (one OpenAPI operation) per action; the action is an extra keyword
    # argument, so reverse("api_task_action", kwargs={"task_id": …, "action": …}) still works.
    *[
        path(f"tasks/<int:task_id>/{action}/", view, {"action": action}, name="api_task_action")
        for action, view in api.TASK_ACTION_VIEWS.items()
    ],
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
    *[
        path(
            f"applications/<int:application_id>/{action}/",
            view,
            {"action": action},
            name="api_application_action",
        )
        for action, view in api.APPLICATION_ACTION_VIEWS.items()
    ],
    *[
        path(
            f"proposals/<int:proposal_id>/{action}/",
            view,
            {"action": action},
            name="api_proposal_action",
        )
        for action, view in api.PROPOSAL_ACTION_VIEWS.items()
    ],
    path("orders/", api.OrderListApi.as_view(), name="api_orders"),
    path("orders/<int:order_id>/", api.OrderDetailApi.as_view(), name="api_order"),
    path(
        "orders/<int:order_id>/messages/",
        api.OrderMessagesApi.as_view(),
        name="api_order_messages",
    ),
    *[
        path(f"orders/<int:order_id>/{action}/", view, {"action": action}, name="api_order_action")
        for action, view in api.ORDER_ACTION_VIEWS.items()
    ],
    path("payments/balances/", api.BalancesApi.as_view(), name="api_balances"),
    path("notifications/", api.NotificationListApi.as_view(), name="api_notifications"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="api_notifications_read"),
    path("announcements/", api.AnnouncementListApi.as_view(), name="api_announcements"),
]
