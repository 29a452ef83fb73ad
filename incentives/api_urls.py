from django.urls import path

from core.schema import action_paths

from . import api

urlpatterns = [
    path("live-accounts/", api.LiveAccountListApi.as_view(), name="api_live_accounts"),
    path("incentives/programs/", api.ProgramMeterApi.as_view(), name="api_incentive_programs"),
    path("incentives/cold-start/", api.ColdStartApi.as_view(), name="api_cold_start"),
    path("incentives/benchmarks/", api.BenchmarkApi.as_view(), name="api_benchmarks"),
    path(
        "incentives/applications/",
        api.ApplicationListApi.as_view(),
        name="api_incentive_applications",
    ),
    path("incentives/coupons/", api.CouponWalletApi.as_view(), name="api_coupons"),
    path(
        "incentives/heating-orders/",
        api.HeatingOrderListApi.as_view(),
        name="api_heating_orders",
    ),
    path(
        "incentives/heating-orders/<int:order_id>/stop/",
        api.HeatingOrderStopApi.as_view(),
        name="api_heating_order_stop",
    ),
    *action_paths(
        "ops/incentives/applications/<int:application_id>/",
        api.OPS_APPLICATION_ACTION_VIEWS,
        name="api_ops_incentive_application",
    ),
]
