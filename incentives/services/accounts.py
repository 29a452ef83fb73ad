"""I1: binding a 视频号 live account to a creator or to a merchant shop."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, WrongSide
from parties.models import MerchantShop, User
from parties.selectors import creator_for_user
from parties.services.sanctions import require_not_banned

from ..exceptions import AlreadyBound
from ..models import LiveAccount

MAX_FINDER_ID = 64
MAX_NICKNAME = 60


def _clean(field: str, value, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(
            _("This field is required."), fields={field: [_("This field is required.")]}
        )
    if len(text) > limit:
        message = _("At most %(max)s characters.") % {"max": limit}
        raise InvalidInput(message, fields={field: [message]})
    return text


@transaction.atomic
def live_account_bind(
    *,
    actor: User,
    finder_id: str,
    nickname: str,
    has_brand_mark: bool = False,
    shop: MerchantShop | None = None,
) -> LiveAccount:
    """I1: a creator binds its own 视频号 account; a merchant binds one for a shop it manages
    (the selector passes the shop, a 404 when not its own). One account per creator or shop,
    and an account belongs to one owner."""
    require_not_banned(user=actor, organizations=[shop.organization_id] if shop else [])
    finder_id = _clean("finder_id", finder_id, MAX_FINDER_ID)
    nickname = _clean("nickname", nickname, MAX_NICKNAME)
    owner: dict = {}
    if shop is not None:
        if not actor.is_merchant:
            raise WrongSide(_("Only the shop's merchants bind its 视频号 account."))
        owner["shop"] = shop
    else:
        creator = creator_for_user(user=actor) if actor.is_creator else None
        if creator is None:
            raise WrongSide(_("A creator binds its own account; a merchant names the shop."))
        owner["creator"] = creator
    if LiveAccount.objects.filter(**owner).exists():
        raise AlreadyBound(_("A 视频号 account is already bound here; one is allowed."))
    if LiveAccount.objects.filter(finder_id=finder_id).exists():
        raise AlreadyBound(_("This 视频号 account is already bound by someone."))
    try:
        with transaction.atomic():
            return LiveAccount.objects.create(
                finder_id=finder_id,
                nickname=nickname,
                has_brand_mark=bool(has_brand_mark),
                bound_by=actor,
                **owner,
            )
    except IntegrityError:  # the same binding at the same moment
        raise AlreadyBound(_("This 视频号 account is already bound by someone.")) from None
