"""Reads, scoped to what the acting user may see (A3, A4).

Anything fetched by id goes through a function here, so another tenant's object raises
Http404 — never 403, never its data.
"""

from __future__ import annotations

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from parties.models import (
    CreatorProfile,
    CreatorRate,
    MerchantShop,
    Organization,
    OrganizationKind,
    PaymentAccount,
    ProviderStatus,
    Role,
    User,
    channel_model,
)


def _organization_ids(user: User, *, roles: tuple[str, ...] | None = None) -> QuerySet:
    memberships = user.memberships.all()
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("organization_id")


def shop_list(*, user: User) -> QuerySet[MerchantShop]:
    if not user.is_authenticated:
        return MerchantShop.objects.none()
    return (
        MerchantShop.objects.filter(organization_id__in=_organization_ids(user))
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "payment_accounts",
                queryset=PaymentAccount.objects.filter(unbound_at__isnull=True),
                to_attr="bound_accounts",
            )
        )
        .order_by("id")
    )


def shop_get(*, user: User, shop_id: int) -> MerchantShop:
    try:
        return shop_list(user=user).get(pk=shop_id)
    except (MerchantShop.DoesNotExist, ValueError, TypeError):
        raise Http404("No such shop.") from None


def shop_bound_account(shop: MerchantShop) -> PaymentAccount | None:
    """The shop's bound payment account, or None. Uses the prefetch of shop_list if present."""
    if hasattr(shop, "bound_accounts"):
        return shop.bound_accounts[0] if shop.bound_accounts else None
    return shop.payment_accounts.filter(unbound_at__isnull=True).first()


def shop_payment_history(*, shop: MerchantShop) -> QuerySet[PaymentAccount]:
    return shop.payment_accounts.select_related("bound_by", "unbound_by").order_by("-id")


def manages_organization(*, user: User, organization_id: int) -> bool:
    """Owners and admins act for a tenant (bind accounts, sign contracts); staff read."""
    return user.memberships.filter(
        organization_id=organization_id, role__in=(Role.OWNER, Role.ADMIN)
    ).exists()


def creator_queryset() -> QuerySet[CreatorProfile]:
    """Creators with everything a card shows, in a constant number of queries."""
    return CreatorProfile.objects.select_related("user", "agency__organization").prefetch_related(
        "channels",
        "categories",
        Prefetch("rates", queryset=CreatorRate.objects.order_by("content_type")),
    )


def creator_search(
    *,
    q: str = "",
    channel: str = "",
    category: str = "",
    content_type: str = "",
    min_followers: int | None = None,
    max_followers: int | None = None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    min_rating=None,
    agency_id: int | None = None,
    ordering: str = "-followers",
) -> QuerySet[CreatorProfile]:
    """C2: search creators by channel, category, content type, followers, price, rating, agency.

    A price range applies to the rate of the chosen content type, or to any rate when no type
    is chosen; a content type alone keeps creators that offer it.
    """
    qs = creator_queryset().filter(user__is_active=True)
    if q:
        qs = qs.filter(Q(display_name__icontains=q) | Q(bio__icontains=q))
    if channel:
        qs = qs.filter(channels__code=channel)
    if category:
        qs = qs.filter(Q(categories__code=category) | Q(categories__name=category))
    if min_followers is not None:
        qs = qs.filter(followers__gte=min_followers)
    if max_followers is not None:
        qs = qs.filter(followers__lte=max_followers)
    if min_rating is not None:
        qs = qs.filter(rating__gte=min_rating)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if content_type or min_price_fen is not None or max_price_fen is not None:
        rates = CreatorRate.objects.filter(creator=OuterRef("pk"))
        if content_type:
            rates = rates.filter(content_type=content_type)
        if min_price_fen is not None:
            rates = rates.filter(price_fen__gte=min_price_fen)
        if max_price_fen is not None:
            rates = rates.filter(price_fen__lte=max_price_fen)
        qs = qs.filter(Exists(rates))
    orderings = {
        "-followers": ("-followers", "id"),
        "followers": ("followers", "id"),
        "-rating": ("-rating", "-followers", "id"),
        "newest": ("-created_at", "-id"),
    }
    # M2M filters can repeat a row; distinct keeps each creator once.
    return qs.distinct().order_by(*orderings.get(ordering, orderings["-followers"]))


def creator_search_from_query(values: dict) -> QuerySet[CreatorProfile]:
    """C2 from cleaned query parameters (the search form's or the API's): prices are in fen."""
    return creator_search(
        q=values.get("q") or "",
        channel=values.get("channel") or "",
        category=values.get("category") or "",
        content_type=values.get("content_type") or "",
        min_followers=values.get("min_followers"),
        max_followers=values.get("max_followers"),
        min_price_fen=values.get("min_price"),
        max_price_fen=values.get("max_price"),
        min_rating=values.get("min_rating"),
        agency_id=values.get("agency"),
        ordering=values.get("ordering") or "-followers",
    )


def creator_get(*, creator_id: int) -> CreatorProfile:
    """Creator profiles are the marketplace's public listing: every signed-in user may read one."""
    try:
        return creator_queryset().get(pk=creator_id, user__is_active=True)
    except (CreatorProfile.DoesNotExist, ValueError, TypeError):
        raise Http404("No such creator.") from None


def creator_for_user(*, user: User) -> CreatorProfile | None:
    if not user.is_authenticated or not user.is_creator:
        return None
    return creator_queryset().filter(user=user).first()


def organizations_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("id")


def channel_list() -> QuerySet:
    """T1: the active channels in their display order (for profiles, search and task forms)."""
    return channel_model().objects.filter(is_active=True).order_by("sort_order", "id")


# --- P6: shops that delegated their tasks to a provider ---------------------------------------
# The delegations live in providers, above the parties and above tasks, which ask "may this
# user act for this shop?" on every task page. They read them here through the shop's
# `delegations` relation (by name, never an import of providers).


def delegation_in_force(prefix: str = "") -> Q:
    """P6: a delegation in force — not ended, to a provider admitted now. `prefix` reaches it
    across a relation ("delegations__" from a shop); providers read their own rows with none."""
    return Q(
        **{f"{prefix}ended_at__isnull": True, f"{prefix}provider__status": ProviderStatus.ADMITTED}
    )


def delegated_shop_org_ids(user: User):
    """The organization ids of the shops whose tasks `user` manages as provider staff (P6): a
    delegation not ended, to a provider admitted now, whose organization the user belongs to.
    A subquery: callers combine it with the shops the user is a member of."""
    return MerchantShop.objects.filter(
        delegation_in_force("delegations__"),
        delegations__provider__organization__memberships__user=user,
        delegations__provider__organization__kind=OrganizationKind.PROVIDER,
    ).values("organization_id")


def delegated_shops(*, user: User) -> QuerySet[MerchantShop]:
    if not user.is_authenticated:
        return MerchantShop.objects.none()
    return (
        MerchantShop.objects.filter(organization_id__in=delegated_shop_org_ids(user))
        .select_related("organization")
        .order_by("organization__name", "id")
    )


def delegated_shop_get(*, user: User, shop_id) -> MerchantShop:
    try:
        return delegated_shops(user=user).get(pk=shop_id)
    except (MerchantShop.DoesNotExist, ValueError, TypeError):
        raise Http404("No such shop.") from None
