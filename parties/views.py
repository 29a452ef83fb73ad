"""Browser pages of the parties. Thin: a form, one service call, a template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.forms import show_domain_error
from parties.forms import (
    ChooseSideForm,
    CreatorProfileForm,
    CreatorSearchForm,
    PasswordChangeForm,
    PaymentAccountForm,
    RegisterForm,
    ShopAdmissionForm,
)
from parties.services.sanctions import sanctions_for

from . import selectors, services


@login_required
def password_change(request):
    """Z2: a new password signs every API program of the user out; this browser stays in."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed; API tokens were signed out."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """Z2: logging out of the site also revokes the user's API tokens."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.user_tokens_revoke(user=request.user)
        return super().post(request, *args, **kwargs)


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                side=form.cleaned_data["side"],
                email=form.cleaned_data["email"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            if user.is_merchant:
                return redirect("shop_new")
            if user.is_creator:
                return redirect("creator_profile")
            # P1: a service provider's staff account starts the admission application.
            return redirect("provider_apply_company")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def choose_side(request):
    if request.user.side:
        messages.info(request, _("Your account's side is already chosen and cannot be changed."))
        return redirect("home")
    form = ChooseSideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_choose_side(user=request.user, side=form.cleaned_data["side"])
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return redirect("home")
    return render(request, "accounts/choose_side.html", {"form": form})


def _require_merchant(request):
    if not request.user.is_merchant:
        raise Http404("Merchant pages are for merchant accounts.")


@login_required
def shop_list(request):
    _require_merchant(request)
    shops = selectors.shop_list(user=request.user)
    return render(request, "merchant/shop_list.html", {"shops": shops})


@login_required
def shop_new(request):
    _require_merchant(request)
    form = ShopAdmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = services.shop_admit(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your shop is admitted."))
            return redirect("shop_detail", shop_id=shop.pk)
    return render(request, "merchant/shop_new.html", {"form": form})


@login_required
def shop_detail(request, shop_id: int):
    shop = selectors.shop_get(user=request.user, shop_id=shop_id)
    form = PaymentAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_account_bind(shop=shop, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The payment account is bound."))
            return redirect("shop_detail", shop_id=shop.pk)
    return render(
        request,
        "merchant/shop_detail.html",
        {
            "shop": shop,
            "form": form,
            "bound": selectors.shop_bound_account(shop),
            "history": selectors.shop_payment_history(shop=shop),
        },
    )


@login_required
@require_POST
def shop_unbind(request, shop_id: int):
    shop = selectors.shop_get(user=request.user, shop_id=shop_id)
    try:
        services.payment_account_unbind(shop=shop, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The payment account is unbound."))
    return redirect("shop_detail", shop_id=shop.pk)


@login_required
def creator_profile(request):
    profile = selectors.creator_for_user(user=request.user)
    if profile is None:
        raise Http404("Only creator accounts have a profile.")
    initial = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "followers": profile.followers,
        "channels": [c.code for c in profile.channels.all()],
        "categories": [c.name for c in profile.categories.all()],
    }
    for rate in profile.rates.all():
        initial[f"rate_{rate.content_type}"] = f"{rate.price_fen / 100:.2f}"
    form = CreatorProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.creator_profile_update(
                profile=profile,
                actor=request.user,
                display_name=data["display_name"],
                bio=data["bio"],
                channel_codes=data["channels"],
                category_names=data["categories"],
                followers=data["followers"],
                rates_fen=form.rates_fen(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("creator_profile")
    return render(request, "creator/profile.html", {"form": form, "profile": profile})


@login_required
def creator_search(request):
    form = CreatorSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    creators = selectors.creator_search_from_query(filters)
    page = Paginator(creators, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "creators/search.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def my_sanctions(request):
    """S1/S2: the sanctions of the user's account and of its shops and agencies, with the
    reasons, in force or ended."""
    now = timezone.now()
    sanctions = list(sanctions_for(user=request.user))
    for sanction in sanctions:
        sanction.is_in_force = sanction.in_force_at(now)
    return render(
        request,
        "accounts/sanctions.html",
        {
            "in_force": [s for s in sanctions if s.is_in_force],
            "history": [s for s in sanctions if not s.is_in_force],
        },
    )
