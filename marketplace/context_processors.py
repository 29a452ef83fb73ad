from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request):
    """The top navigation shows what this user's side and memberships can do."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        if user.is_merchant:
            items += [
                (_("My shops"), reverse("shop_list")),
                (_("Wallet"), reverse("wallet")),
                (_("Find creators"), reverse("creator_search")),
            ]
        elif user.is_creator:
            items += [
                (_("My profile"), reverse("creator_profile")),
                (_("Earnings"), reverse("earnings")),
                (_("Agency"), reverse("creator_agency")),
            ]
        memberships = list(user.memberships.select_related("organization__agency"))
        for membership in memberships:
            organization = membership.organization
            if organization.kind == "agency" and hasattr(organization, "agency"):
                url = reverse("agency_detail", args=[organization.agency.pk])
                items.append((_("Agency center"), url))
        if user.is_staff:
            items.append((_("Ops admin"), reverse("admin:index")))
    return {"nav_items": items}
