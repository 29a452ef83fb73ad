"""The pages that read across apps, so they sit in the project package on top of the layers:
the home page (the user's to-dos, shops, creator profile, agencies and provider at a glance) and a
creator's page (the profile, with the invitation form for the agencies the viewer manages)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agencies.forms import InviteForm
from agencies.selectors import agency_can_manage, agency_list
from parties.selectors import creator_for_user, creator_get, shop_list
from providers.selectors import provider_for_user
from tasks.selectors import todos


def home(request):
    context = {}
    if request.user.is_authenticated:
        context["shops"] = list(shop_list(user=request.user)[:5])
        context["creator"] = creator_for_user(user=request.user)
        context["agencies"] = list(agency_list(user=request.user))
        context["provider"] = provider_for_user(user=request.user)
        context["todos"] = todos(user=request.user)
    return render(request, "home.html", context)


@login_required
def creator_detail(request, creator_id: int):
    creator = creator_get(creator_id=creator_id)
    manageable = [
        agency
        for agency in agency_list(user=request.user)
        if agency_can_manage(user=request.user, agency=agency)
    ]
    return render(
        request,
        "creators/detail.html",
        {"creator": creator, "manageable_agencies": manageable, "invite_form": InviteForm()},
    )
