from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from parties.navigation import navigation_key
from parties.notifications import unread_count


def navigation(request):
    """The top navigation shows what this user's side and memberships can do."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        if user.is_merchant:
            items += [
                (_("Management center"), reverse("task_mine")),
                (_("My orders"), reverse("order_list")),
                (_("Recruitment plaza"), reverse("recruitment_plaza")),
                (_("Find creators"), reverse("creator_search")),
                (_("Wallet"), reverse("wallet")),
                (_("Income analytics"), reverse("income")),
                (_("My shops"), reverse("shop_list")),
                (_("Service providers"), reverse("provider_delegations")),
            ]
        elif user.is_creator:
            items += [
                (_("Task plaza"), reverse("plaza")),
                (_("My orders"), reverse("order_list")),
                (_("My recruitment tasks"), reverse("task_mine")),
                (_("Earnings"), reverse("earnings")),
                (_("Income analytics"), reverse("income")),
                (_("My profile"), reverse("creator_profile")),
                (_("Agency"), reverse("creator_agency")),
            ]
        facts = navigation_facts(user)
        for kind, agency_id in facts["organizations"]:
            if kind == "agency":
                items.append((_("Agency center"), reverse("agency_detail", args=[agency_id])))
            else:
                items.append((_("Provider workspace"), reverse("provider_home")))
        if user.is_staff:
            items.append((_("Ops admin"), reverse("admin:index")))
        return {"nav_items": items, "unread_count": facts["unread"]}
    return {"nav_items": items, "unread_count": 0}


def navigation_facts(user) -> dict:
    """What the navigation reads from the database — the user's agencies and providers (in
    membership order) and its unread count — cached per user for NAVIGATION_CACHE_SECONDS
    (parties.navigation says when an entry is forgotten early)."""
    key = navigation_key(user.pk)
    facts = cache.get(key) if settings.NAVIGATION_CACHE_SECONDS else None
    if facts is None:
        organizations = []
        for membership in user.memberships.select_related("organization__agency"):
            organization = membership.organization
            if organization.kind == "agency" and hasattr(organization, "agency"):
                organizations.append(("agency", organization.agency.pk))
            elif organization.kind == "provider":
                organizations.append(("provider", None))
        facts = {"organizations": organizations, "unread": unread_count(user=user)}
        if settings.NAVIGATION_CACHE_SECONDS:
            cache.set(key, facts, settings.NAVIGATION_CACHE_SECONDS)
    return facts


def deployment(request):
    """Z1: a demo deployment (sandbox payments) says so on every page, the admin's too."""
    return {"demo_deployment": settings.DEMO_DEPLOYMENT}
