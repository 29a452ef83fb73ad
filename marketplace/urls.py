from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agencies import api as agencies_api
from agencies import views as agencies_views
from core.api_errors import error_body
from core.schema import action_paths
from escrow import api as escrow_api
from escrow import views as escrow_views
from parties import api as parties_api
from parties import views as parties_views
from parties.forms import LoginForm
from tasks import api as tasks_api

from . import api, views

api_v1 = [
    path("auth/register/", parties_api.RegisterApi.as_view(), name="api_register"),
    path("auth/token/", parties_api.TokenApi.as_view(), name="api_token"),
    path("auth/logout/", parties_api.LogoutApi.as_view(), name="api_logout"),
    path("me/", parties_api.MeApi.as_view(), name="api_me"),
    path("shops/", parties_api.ShopListApi.as_view(), name="api_shops"),
    path("shops/<int:shop_id>/", parties_api.ShopDetailApi.as_view(), name="api_shop"),
    path(
        "shops/<int:shop_id>/payment-account/",
        parties_api.ShopPaymentAccountApi.as_view(),
        name="api_shop_payment_account",
    ),
    path("creators/me/", parties_api.CreatorMeApi.as_view(), name="api_creator_me"),
    path("creators/", parties_api.CreatorListApi.as_view(), name="api_creators"),
    path("creators/<int:creator_id>/", parties_api.CreatorDetailApi.as_view(), name="api_creator"),
    path("channels/", tasks_api.ChannelListApi.as_view(), name="api_channels"),
    path("categories/", parties_api.CategoryListApi.as_view(), name="api_categories"),
    path("agencies/<int:agency_id>/", agencies_api.AgencyDetailApi.as_view(), name="api_agency"),
    path(
        "agencies/<int:agency_id>/invitations/",
        agencies_api.AgencyInvitationApi.as_view(),
        name="api_agency_invitations",
    ),
    path("contracts/", agencies_api.ContractListApi.as_view(), name="api_contracts"),
    path("live-sessions/", api.LiveSessionFeedApi.as_view(), name="api_live_sessions"),
    path("wallet/", escrow_api.WalletApi.as_view(), name="api_wallet"),
    path("wallet/top-ups/", escrow_api.TopUpApi.as_view(), name="api_top_ups"),
    path("wallet/entries/", escrow_api.EntryListApi.as_view(), name="api_entries"),
    path("withdrawals/", escrow_api.WithdrawalApi.as_view(), name="api_withdrawals"),
    path("payout-account/", escrow_api.PayoutAccountApi.as_view(), name="api_payout_account"),
    path("gateway/callback/", escrow_api.gateway_callback_view, name="api_gateway_callback"),
    path("analytics/income/", escrow_api.IncomeApi.as_view(), name="api_income"),
    # Z6: one route (one OpenAPI operation) per action, the action as an extra keyword argument.
    *action_paths(
        "contracts/<int:contract_id>/",
        agencies_api.CONTRACT_ACTION_VIEWS,
        name="api_contract_action",
    ),
    path("", include("tasks.api_urls")),
    path("", include("providers.api_urls")),
    path("", include("incentives.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/register/", parties_views.register, name="register"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", parties_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", parties_views.password_change, name="password_change"),
    path("onboarding/side/", parties_views.choose_side, name="choose_side"),
    path("sanctions/", parties_views.my_sanctions, name="my_sanctions"),
    path("merchant/shops/", parties_views.shop_list, name="shop_list"),
    path("merchant/shops/new/", parties_views.shop_new, name="shop_new"),
    path("merchant/shops/<int:shop_id>/", parties_views.shop_detail, name="shop_detail"),
    path("merchant/shops/<int:shop_id>/unbind/", parties_views.shop_unbind, name="shop_unbind"),
    path("creator/profile/", parties_views.creator_profile, name="creator_profile"),
    path("creator/agency/", agencies_views.creator_agency, name="creator_agency"),
    path("creators/", parties_views.creator_search, name="creator_search"),
    path("creators/<int:creator_id>/", views.creator_detail, name="creator_detail"),
    path("agencies/<int:agency_id>/", agencies_views.agency_detail, name="agency_detail"),
    path(
        "agencies/<int:agency_id>/assessment/",
        agencies_views.agency_assessment,
        name="agency_assessment",
    ),
    path("agencies/<int:agency_id>/focus/", agencies_views.agency_focus, name="agency_focus"),
    path(
        "agencies/<int:agency_id>/focus/<int:hour_id>/assign/",
        agencies_views.agency_focus_assign,
        name="agency_focus_assign",
    ),
    path(
        "agencies/<int:agency_id>/focus/<int:hour_id>/decline/",
        agencies_views.agency_focus_decline,
        name="agency_focus_decline",
    ),
    path("agencies/<int:agency_id>/themes/", agencies_views.agency_themes, name="agency_themes"),
    path(
        "agencies/<int:agency_id>/themes/<int:proposal_id>/slot/",
        agencies_views.agency_theme_slot,
        name="agency_theme_slot",
    ),
    path("wallet/", escrow_views.wallet, name="wallet"),
    path("earnings/", escrow_views.earnings, name="earnings"),
    path("analytics/income/", escrow_views.income, name="income"),
    re_path(
        r"^contracts/(?P<contract_id>\d+)/(?P<action>accept|decline|withdraw|end)/$",
        agencies_views.contract_action,
        name="contract_action",
    ),
    path("providers/", include("providers.urls")),
    path("incentives/", include("incentives.urls")),
    path("", include("tasks.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (Z1).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
]


def handler404(request, exception):
    """Unknown API paths answer the JSON error shape; pages get the normal 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)

    return page_not_found(request, exception)


def handler500(request):
    """Z4: the 500 page shows the request id (the JSON 500s of /api/ carry it already), so a
    user can quote it and ops find the logged traceback."""

    template = loader.get_template("500.html")
    return HttpResponseServerError(
        template.render({"request_id": getattr(request, "request_id", "")})
    )
