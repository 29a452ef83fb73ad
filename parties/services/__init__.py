"""Use cases of the parties: one function per user action, each in one transaction.

Views, the API, the admin and commands call these; none of them writes the models directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from core.exceptions import AdmissionRefused, InvalidInput, NotAllowed, WrongSide
from parties.models import (
    CREDIT_LEVEL_MAX,
    CREDIT_LEVEL_MIN,
    THREE_DIAMONDS,
    Category,
    ContentType,
    CreatorProfile,
    CreatorRate,
    Membership,
    MerchantShop,
    Organization,
    OrganizationKind,
    PaymentAccount,
    PaymentAccountType,
    Platform,
    Role,
    Side,
    User,
    channel_model,
)
from parties.navigation import navigation_changed
from parties.notifications import email_on_commit
from parties.selectors import manages_organization, shop_bound_account

PROVIDER_ACCOUNT = "provider"  # registration choice of service provider staff (no side, P1)


MAX_RATE_FEN = 100_000_000_00  # ¥100,000,000.00: anything above is a typo, not a price.


MAX_FOLLOWERS = 2_147_483_647  # CreatorProfile.followers is a 32-bit column on PostgreSQL.


@transaction.atomic
def user_register(*, username: str, password: str, side: str, email: str = "") -> User:
    """A1: create an account with its side. A creator gets an empty profile to fill in.

    `side="provider"` registers the staff account of a service provider (P1): it takes no side;
    its role comes from the provider's membership once it starts an admission application."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if side not in (*Side.values, PROVIDER_ACCOUNT):
        errors["side"] = [_("Choose merchant or creator.")]
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This user name is taken.")]
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)

    if side == PROVIDER_ACCOUNT:
        user = User(username=username, email=email)
    else:
        user = User(username=username, email=email, side=side, side_chosen_at=timezone.now())
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two registrations racing for one name: the unique index decides.
        raise InvalidInput(
            _("This user name is taken."), fields={"username": [_("This user name is taken.")]}
        ) from None
    if side == Side.CREATOR:
        CreatorProfile.objects.create(user=user, display_name=username)
    email_on_commit(
        to=email,
        subject=_("Welcome to the creator task marketplace"),
        body=_("Your account %(username)s is ready.") % {"username": username},
    )
    return user


def user_tokens_revoke(*, user: User) -> int:
    """Z2: sign every API program of this user out (logout, password change); returns how many
    tokens were revoked. A new token needs the password again."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Z2: change the password after checking the old one and Django's validators; the API tokens
    are revoked with it, so a stolen token dies with the old password."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(old_password):
        errors["old_password"] = [_("Your current password is not correct.")]
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        errors["new_password"] = list(exc.messages)
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)
    return user


@transaction.atomic
def user_choose_side(*, user: User, side: str) -> User:
    """A1: an account without a side chooses one; once chosen it never changes."""
    if side not in Side.values:
        raise InvalidInput(
            _("Choose merchant or creator."), fields={"side": [_("Choose merchant or creator.")]}
        )
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.side:
        raise NotAllowed(
            _("Your account is already a %(side)s account; the side cannot be changed.")
            % {"side": locked.get_side_display()},
            code="side_already_chosen",
        )
    locked.side = side
    locked.side_chosen_at = timezone.now()
    locked.save(update_fields=["side", "side_chosen_at"])
    if side == Side.CREATOR:
        CreatorProfile.objects.get_or_create(
            user=locked, defaults={"display_name": locked.username}
        )
    user.side, user.side_chosen_at = locked.side, locked.side_chosen_at
    return locked


def shop_admission_refusal(
    *, platform: str, seller_credit_level: int, meets_marketing_rules: bool, is_brand: bool
) -> str | None:
    """M1 (and M4's brand flag): the reason a shop is refused, or None when it is admitted."""
    if platform == Platform.TMALL:
        if not meets_marketing_rules:
            return _("A Tmall store must meet the Tmall basic marketing rules.")
        return None
    if platform == Platform.TAOBAO:
        if seller_credit_level < THREE_DIAMONDS:
            return _(
                "A Taobao store needs a seller credit of three diamonds or more "
                "(level %(needed)d); this store is at level %(level)d."
            ) % {"needed": THREE_DIAMONDS, "level": seller_credit_level}
        if not meets_marketing_rules:
            return _("A Taobao store must meet the basic marketing rules.")
        if is_brand:
            return _("Only Tmall stores can be admitted as brands.")
        return None
    return _("Only Tmall and Taobao stores can be admitted.")


@transaction.atomic
def shop_admit(
    *,
    actor: User,
    name: str,
    platform: str,
    seller_credit_level: int,
    meets_marketing_rules: bool,
    is_brand: bool = False,
    industry: str = "",
) -> MerchantShop:
    """M1: admit a store. A refused store is not stored; the error carries the reason."""
    if not actor.is_merchant:
        raise WrongSide(_("Only merchant accounts can register a shop."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the shop name."), fields={"name": [_("Enter the shop name.")]})
    if not (CREDIT_LEVEL_MIN <= int(seller_credit_level) <= CREDIT_LEVEL_MAX):
        message = _("The seller credit level runs from 1 (one heart) to 20 (five gold crowns).")
        raise InvalidInput(message, fields={"seller_credit_level": [message]})
    reason = shop_admission_refusal(
        platform=platform,
        seller_credit_level=int(seller_credit_level),
        meets_marketing_rules=bool(meets_marketing_rules),
        is_brand=bool(is_brand),
    )
    if reason:
        raise AdmissionRefused(reason)
    organization = Organization.objects.create(kind=OrganizationKind.SHOP, name=name)
    Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
    return MerchantShop.objects.create(
        organization=organization,
        platform=platform,
        seller_credit_level=int(seller_credit_level),
        meets_marketing_rules=bool(meets_marketing_rules),
        is_brand=bool(is_brand),
        industry=(industry or "").strip(),
    )


def _require_shop_manager(*, shop: MerchantShop, actor: User) -> None:
    if not manages_organization(user=actor, organization_id=shop.organization_id):
        raise WrongSide(_("Only the shop's owner or an admin can manage its payment account."))


@transaction.atomic
def payment_account_bind(
    *,
    shop: MerchantShop,
    actor: User,
    account_id: str,
    holder_name: str,
    account_type: str = PaymentAccountType.COMPANY,
) -> PaymentAccount:
    """M2: bind the operating payment account. A shop has one bound account at a time."""
    _require_shop_manager(shop=shop, actor=actor)
    account_id, holder_name = (account_id or "").strip(), (holder_name or "").strip()
    errors = {}
    if not account_id:
        errors["account_id"] = [_("Enter the Alipay account (e-mail or mobile number).")]
    if not holder_name:
        errors["holder_name"] = [_("Enter the name of the account holder.")]
    if account_type not in PaymentAccountType.values:
        errors["account_type"] = [_("Choose a company or a personal account.")]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    # Lock the shop so two binds cannot both see "nothing bound".
    MerchantShop.objects.select_for_update().get(pk=shop.pk)
    if shop.payment_accounts.filter(unbound_at__isnull=True).exists():
        raise NotAllowed(
            _("A payment account is already bound; unbind it first."), code="already_bound"
        )
    return PaymentAccount.objects.create(
        shop=shop,
        account_id=account_id,
        holder_name=holder_name,
        account_type=account_type,
        bound_by=actor,
    )


@transaction.atomic
def payment_account_unbind(*, shop: MerchantShop, actor: User) -> PaymentAccount:
    """M2/M3: unbind the shop's payment account, refused while any of its orders is in trade
    (not in a terminal state). The check runs under the shop lock."""
    _require_shop_manager(shop=shop, actor=actor)
    MerchantShop.objects.select_for_update().get(pk=shop.pk)
    account = shop.payment_accounts.filter(unbound_at__isnull=True).first()
    if account is None:
        raise NotAllowed(_("No payment account is bound."), code="not_bound")
    # The orders live in tasks, above the parties: read through the shop's relation to them.
    orders = shop.orders
    in_trade = orders.exclude(status__in=orders.model.TERMINAL_STATUSES).count()
    if in_trade:
        raise NotAllowed(
            _(
                "%(count)s of the shop's orders are still in trade; the payment account can be "
                "unbound once every order has ended."
            )
            % {"count": in_trade},
            code="orders_in_trade",
        )
    account.unbound_at = timezone.now()
    account.unbound_by = actor
    account.save(update_fields=["unbound_at", "unbound_by"])
    return account


def shop_can_pay(*, shop: MerchantShop) -> bool:
    """M2: a Tmall store pays only with a bound operating account (uses shop_list's prefetch,
    or the answer `has_bound_account` of an order's lock, tasks.locks.lock_order)."""
    if shop.platform != Platform.TMALL:
        return True
    bound = getattr(shop, "has_bound_account", None)
    if bound is not None:
        return bound
    return shop_bound_account(shop) is not None


@transaction.atomic
def creator_profile_update(
    *,
    profile: CreatorProfile,
    actor: User,
    display_name: str,
    bio: str = "",
    channel_codes: Iterable[str] = (),
    category_names: Iterable[str] = (),
    followers: int = 0,
    rates_fen: Mapping[str, int] | None = None,
) -> CreatorProfile:
    """C1: replace the creator's profile and rate card with what the creator submitted."""
    if profile.user_id != actor.pk:
        raise WrongSide(_("You can only edit your own profile."))
    errors: dict[str, list[str]] = {}
    display_name = (display_name or "").strip()
    if not display_name:
        errors["display_name"] = [_("Enter a display name.")]
    channel_codes = sorted(set(channel_codes))
    channels = list(channel_model().objects.filter(code__in=channel_codes, is_active=True))
    unknown = sorted(set(channel_codes) - {c.code for c in channels})
    if unknown:
        errors["channels"] = [_("Unknown channel: %(codes)s.") % {"codes": ", ".join(unknown)}]
    category_names = sorted({n.strip() for n in category_names if n and n.strip()})
    categories = list(Category.objects.filter(name__in=category_names)) + list(
        Category.objects.filter(code__in=category_names)
    )
    known = {c.name for c in categories} | {c.code for c in categories}
    unknown = [n for n in category_names if n not in known]
    if unknown:
        errors["categories"] = [_("Unknown category: %(names)s.") % {"names": ", ".join(unknown)}]
    if followers is None or int(followers) < 0:
        errors["followers"] = [_("Followers must be zero or more.")]
    elif int(followers) > MAX_FOLLOWERS:
        errors["followers"] = [_("Followers must be at most %(max)d.") % {"max": MAX_FOLLOWERS}]
    rates_fen = dict(rates_fen or {})
    rate_errors = []
    for content_type, price_fen in rates_fen.items():
        if content_type not in ContentType.values:
            rate_errors.append(_("Unknown content type: %(code)s.") % {"code": content_type})
        elif price_fen is not None and not (0 < int(price_fen) <= MAX_RATE_FEN):
            rate_errors.append(
                _("The price for %(type)s must be more than ¥0.00 and at most ¥100,000,000.00.")
                % {"type": ContentType(content_type).label}
            )
    if rate_errors:
        errors["rates"] = rate_errors
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)

    profile = CreatorProfile.objects.select_for_update().get(pk=profile.pk)
    profile.display_name = display_name
    profile.bio = (bio or "").strip()
    profile.followers = int(followers)
    profile.save(update_fields=["display_name", "bio", "followers", "updated_at"])
    profile.channels.set(channels)
    profile.categories.set({c.pk: c for c in categories}.values())
    kept = {t: p for t, p in rates_fen.items() if p}
    profile.rates.exclude(content_type__in=kept.keys()).delete()
    for content_type, price_fen in kept.items():
        CreatorRate.objects.update_or_create(
            creator=profile, content_type=content_type, defaults={"price_fen": int(price_fen)}
        )
    return profile


@transaction.atomic
def membership_add(*, organization: Organization, user: User, role: str = Role.STAFF) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    navigation_changed([user.pk])  # an agency's or a provider's staff get its link at once
    return membership
