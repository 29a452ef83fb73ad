from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

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
        memberships = list(user.memberships.select_related("organization__agency"))
        for membership in memberships:
            organization = membership.organization
            if organization.kind == "agency" and hasattr(organization, "agency"):
                url = reverse("agency_detail", args=[organization.agency.pk])
                items.append((_("Agency center"), url))
            elif organization.kind == "provider":
                items.append((_("Provider workspace"), reverse("provider_home")))
        if user.is_staff:
            items.append((_("Ops admin"), reverse("admin:index")))
    unread = unread_count(user=user) if user is not None else 0
    return {"nav_items": items, "unread_count": unread}


def deployment(request):
    """Z1: a demo deployment (sandbox payments) says so on every page, the admin's too."""
    return {"demo_deployment": settings.DEMO_DEPLOYMENT}
