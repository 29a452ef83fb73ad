"""Pages of tasks, plazas, orders and the inbox."""

from django.urls import path

from . import views

urlpatterns = [
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/mine/", views.task_mine, name="task_mine"),
    path("tasks/<int:task_id>/", views.task_detail, name="task_detail"),
    path("plaza/", views.plaza, name="plaza"),
    path("recruitment/", views.recruitment_plaza, name="recruitment_plaza"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/balances/", views.balances_pay, name="balances_pay"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/files/<int:file_id>/", views.order_file, name="order_file"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/", views.notice_open, name="notice_open"),
    path("media/sponsor_logos/<str:name>", views.sponsor_logo, name="sponsor_logo"),
]
