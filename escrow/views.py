"""Wallet pages: the merchant's wallet and the creator's earnings. Thin: one service per form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError
from marketplace.money import format_cny
from marketplace.selectors import creator_for_user, shop_list
from marketplace.views import show_domain_error

from . import selectors, services
from .forms import AmountForm, PayoutAccountForm
from .models import IntentStatus


@login_required
def wallet(request):
    if not request.user.is_merchant:
        raise Http404("Merchant wallets are for merchant accounts.")
    shops = list(shop_list(user=request.user))
    if not shops:
        messages.info(request, _("Register a shop first: the wallet belongs to the shop."))
        return redirect("shop_new")
    shop_id = request.GET.get("shop") or request.POST.get("shop")
    shop = selectors.wallet_shop(
        user=request.user, shop_id=int(shop_id) if (shop_id or "").isdigit() else None
    )
    form = AmountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intent = services.wallet_top_up(
                shop=shop, actor=request.user, amount_fen=form.cleaned_data["amount"]
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            if intent.status == IntentStatus.SUCCEEDED:
                messages.success(
                    request,
                    _("%(amount)s has been added to the wallet.")
                    % {"amount": format_cny(intent.amount_fen)},
                )
            else:
                messages.info(request, _("The top-up is waiting for the payment gateway."))
            return redirect(f"{request.path}?shop={shop.pk}")
    entries = Paginator(selectors.merchant_entries(shop=shop), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "escrow/wallet.html",
        {
            "shop": shop,
            "shops": shops,
            "summary": selectors.merchant_wallet_summary(shop=shop),
            "form": form,
            "entries": entries,
        },
    )


@login_required
def earnings(request):
    creator = creator_for_user(user=request.user)
    if creator is None:
        raise Http404("Earnings are for creator accounts.")
    payout = getattr(creator, "payout_account", None)
    withdraw_form = AmountForm(request.POST if "withdraw" in request.POST else None)
    account_form = PayoutAccountForm(
        request.POST if "bind" in request.POST else None,
        initial={"account_id": payout.account_id, "holder_name": payout.holder_name}
        if payout
        else None,
    )
    if request.method == "POST" and "withdraw" in request.POST and withdraw_form.is_valid():
        try:
            services.withdrawal_request(
                creator=creator, actor=request.user, amount_fen=withdraw_form.cleaned_data["amount"]
            )
        except DomainError as exc:
            show_domain_error(withdraw_form, exc)
        else:
            messages.success(request, _("Your withdrawal is requested; ops review it shortly."))
            return redirect("earnings")
    if request.method == "POST" and "bind" in request.POST and account_form.is_valid():
        try:
            services.payout_account_bind(
                creator=creator, actor=request.user, **account_form.cleaned_data
            )
        except DomainError as exc:
            show_domain_error(account_form, exc)
        else:
            messages.success(request, _("Your payout account is saved."))
            return redirect("earnings")
    entries = Paginator(selectors.creator_entries(creator=creator), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "escrow/earnings.html",
        {
            "summary": selectors.creator_wallet_summary(creator=creator),
            "payout": payout,
            "withdraw_form": withdraw_form,
            "account_form": account_form,
            "entries": entries,
            "withdrawals": selectors.creator_withdrawals(creator=creator)[:20],
        },
    )
