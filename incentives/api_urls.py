from django.urls import path

from . import api

urlpatterns = [
    path("live-accounts/", api.LiveAccountListApi.as_view(), name="api_live_accounts"),
    path("incentives/programs/", api.ProgramMeterApi.as_view(), name="api_incentive_programs"),
]
