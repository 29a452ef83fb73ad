"""Browser pages of the parties. Thin: a form, one service call, a template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import selectors, services
from .exceptions import DomainError
from .forms import (
    ChooseSideForm,
    CreatorProfileForm,
    CreatorSearchForm,
    EndContractForm,
    InviteForm,
    PaymentAccountForm,
    RegisterForm,
    ShopAdmissionForm,
)
from .models import ContractStatus


def show_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to the fields it names, or at the top of the form."""
    placed_messages = set()
    for field, errors in (exc.fields or {}).items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
                placed_messages.add(str(error))
    if not placed_messages or exc.message not in placed_messages:
        form.add_error(None, exc.message)


def home(request):
    context = {}
    if request.user.is_authenticated:
        context["shops"] = list(selectors.shop_list(user=request.user)[:5])
        context["creator"] = selectors.creator_for_user(user=request.user)
        context["agencies"] = list(selectors.agency_list(user=request.user))
    return render(request, "home.html", context)


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
            return redirect("shop_new" if user.is_merchant else "creator_profile")
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


# --- merchants --------------------------------------------------------------------------


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


# --- creators ---------------------------------------------------------------------------


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
def creator_detail(request, creator_id: int):
    creator = selectors.creator_get(creator_id=creator_id)
    manageable = [
        agency
        for agency in selectors.agency_list(user=request.user)
        if selectors.agency_can_manage(user=request.user, agency=agency)
    ]
    return render(
        request,
        "creators/detail.html",
        {"creator": creator, "manageable_agencies": manageable, "invite_form": InviteForm()},
    )


@login_required
def creator_agency(request):
    profile = selectors.creator_for_user(user=request.user)
    if profile is None:
        raise Http404("Only creator accounts have agency contracts.")
    return render(
        request,
        "creator/agency.html",
        {
            "profile": profile,
            "contracts": selectors.creator_contracts(creator=profile),
            "end_form": EndContractForm(),
        },
    )


# --- agencies ---------------------------------------------------------------------------


@login_required
def agency_detail(request, agency_id: int):
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    form = InviteForm(request.POST or None)
    can_manage = selectors.agency_can_manage(user=request.user, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            creator = selectors.creator_get(creator_id=form.cleaned_data["creator"])
        except Http404:
            form.add_error("creator", _("No creator has this ID."))
        else:
            try:
                services.agency_invite(
                    agency=agency,
                    actor=request.user,
                    creator=creator,
                    message=form.cleaned_data["message"],
                )
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(
                    request, _("%(name)s is invited.") % {"name": creator.display_name}
                )
                return redirect("agency_detail", agency_id=agency.pk)
    contracts = list(selectors.agency_contracts(agency=agency))
    return render(
        request,
        "agency/detail.html",
        {
            "agency": agency,
            "creators": selectors.agency_signed_creators(agency=agency),
            "open_invitations": [c for c in contracts if c.status == ContractStatus.INVITED],
            "history": [c for c in contracts if c.status != ContractStatus.INVITED],
            "form": form,
            "can_manage": can_manage,
            "end_form": EndContractForm(),
        },
    )


CONTRACT_ACTIONS = {
    "accept": (services.contract_accept, gettext_lazy("You are signed to the agency.")),
    "decline": (services.contract_decline, gettext_lazy("The invitation is declined.")),
    "withdraw": (services.invitation_withdraw, gettext_lazy("The invitation is withdrawn.")),
    "end": (services.contract_end, gettext_lazy("The contract is ended.")),
}


@login_required
@require_POST
def contract_action(request, contract_id: int, action: str):
    contract = selectors.contract_get(user=request.user, contract_id=contract_id)
    service, done = CONTRACT_ACTIONS[action]
    kwargs = {"contract": contract, "actor": request.user}
    if action == "end":
        form = EndContractForm(request.POST)
        kwargs["reason"] = form.data.get("reason", "")[:200]
    try:
        service(**kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    if contract.creator.user_id == request.user.pk:
        return redirect("creator_agency")
    return redirect("agency_detail", agency_id=contract.agency_id)
