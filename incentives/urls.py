"""Pages of the 激励中心 (incentive centre), mounted at /incentives/. The account and the heating
order are named in the query or the form (`?account=`), never in the path: the selectors
answer 404 for another user's."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="incentive_home"),
    path("cold-start/", views.cold_start, name="incentive_cold_start"),
    path("benchmark/", views.benchmark, name="incentive_benchmark"),
    path("applications/", views.applications, name="incentive_applications"),
    path("coupons/", views.wallet, name="incentive_wallet"),
]
