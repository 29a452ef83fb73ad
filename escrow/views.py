"""Wallet pages: the merchant's wallet and the creator's earnings, and the daily income
analytics (F2). Thin: one service per form, one selector per read."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError, InvalidInput
from core.forms import show_domain_error
from core.money import format_cny, format_yuan
from core.parsing import id_or_404
from parties.selectors import creator_for_user, shop_get, shop_list

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
    shop_id = id_or_404(request.GET.get("shop") or request.POST.get("shop"))
    shop = selectors.wallet_shop(user=request.user, shop_id=shop_id)
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


# --- F2: daily income (生意参谋) ---------------------------------------------------------------

DATE_FORMAT = "%Y-%m-%d"


def _day_field(label) -> forms.DateField:
    """An optional Beijing day, typed as YYYY-MM-DD or picked in the browser's date input."""
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        error_messages={"invalid": gettext_lazy("Enter a date like 2026-11-01.")},
    )


class IncomeRangeForm(forms.Form):
    """F2: the Beijing days to show. Both optional: the selector fills in the last 30 days.

    Kept next to its only view: it parses dates and nothing else; the range rules (end not
    before start, at most 366 days) live in `selectors.income_range`, shared with the API.
    """

    start = _day_field(gettext_lazy("From"))
    end = _day_field(gettext_lazy("To"))


def _income_range(form: IncomeRangeForm) -> tuple[date, date] | None:
    """The range the form asks for, or None with the errors put next to the fields."""
    if not form.is_valid():
        return None
    try:
        return selectors.income_range(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    except InvalidInput as exc:
        show_domain_error(form, exc)
        return None


def _income_csv(series: selectors.IncomeSeries) -> HttpResponse:
    """One row a day: the date and the amount in yuan. The BOM lets Excel read it as UTF-8."""
    filename = f"income-{series.start.isoformat()}_{series.end.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Date"), _("Amount (yuan)")])
    for day, amount_fen in series.days:
        writer.writerow([day.isoformat(), format_yuan(amount_fen)])
    return response


@login_required
def income(request):
    """F2: the daily income of a merchant (paid out to creators) or a creator (received)."""
    user = request.user
    if not (user.is_merchant or user.is_creator):
        raise Http404("Income analytics are for merchants and creators.")
    shops = list(shop_list(user=user)) if user.is_merchant else []
    shop_id = id_or_404(request.GET.get("shop"))
    shop = (
        shop_get(user=user, shop_id=shop_id) if user.is_merchant and shop_id is not None else None
    )

    form = IncomeRangeForm(request.GET)
    chosen = _income_range(form)
    series = None
    if chosen is not None:
        series = selectors.income_series(user=user, start=chosen[0], end=chosen[1], shop=shop)
        if request.GET.get("format") == "csv":
            return _income_csv(series)
        # Show the range actually used (the defaults included) in the date inputs.
        form = IncomeRangeForm(initial={"start": series.start, "end": series.end})

    context = {
        "form": form,
        "series": series,
        "shops": shops,
        "shop": shop,
        "max_days": selectors.INCOME_MAX_DAYS,
    }
    if series is not None:
        best_day, best_fen = max(series.days, key=lambda row: (row[1], row[0]))
        context.update(
            # (day, fen, bar width in % of the best day) for the table; widths are display only.
            rows=[
                (day, amount, amount * 100 // best_fen if best_fen > 0 else 0)
                for day, amount in series.days
            ],
            best_day=best_day if best_fen > 0 else None,
            best_fen=best_fen,
            days_with_income=sum(1 for _day, amount in series.days if amount),
            csv_url=_income_url(series.start, series.end, shop, format="csv"),
            quick_ranges=_quick_ranges(shop),
            chart={
                "labels": [day.isoformat() for day, _amount in series.days],
                "fen": [amount for _day, amount in series.days],
                "label": _("Income (¥)"),
            },
        )
    return render(request, "escrow/income.html", context)


def _income_url(start: date, end: date, shop, **extra) -> str:
    query = {"start": start.isoformat(), "end": end.isoformat()}
    if shop is not None:
        query["shop"] = shop.pk
    return "?" + urlencode({**query, **extra})


def _quick_ranges(shop) -> list[tuple[str, str]]:
    """The usual ranges, each ending today (Beijing)."""
    today = selectors.beijing_today()
    return [
        (label, _income_url(today - timedelta(days=days - 1), today, shop))
        for days, label in ((7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days")))
    ]
