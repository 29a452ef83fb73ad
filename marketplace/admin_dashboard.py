"""The ops admin site: Django's admin with the ops dashboard at `/admin/dashboard/` and its key
figures in a box at the top of the admin index, for staff with the dashboard permission (Z3).

`OpsAdminSite` is the project's default admin site (`marketplace.apps.OpsAdminConfig` replaces
`django.contrib.admin` in INSTALLED_APPS), so `admin.site` and `@admin.register` are this site:
nothing is patched when a module is imported.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.ops_powers import require_power
from marketplace.dashboard import Dashboard, ops_dashboard


def _url(name: str, *args, query: str = "") -> str | None:
    """The admin URL, or None when its model is not registered (yet): the page then shows the
    row without a link instead of failing."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _links(dashboard: Dashboard) -> dict:
    """The dashboard's rows paired with the admin page each one opens (None: no link)."""
    orders_url = _url("admin:tasks_order_changelist")
    return {
        "orders": orders_url,
        "statuses": [
            (row, f"{orders_url}?status__exact={row.status}" if orders_url else None)
            for row in dashboard.orders_by_status
        ],
        "disputes": _url("admin:tasks_dispute_changelist", query="?state=open"),
        "oldest_disputes": [
            (dispute, _url("admin:tasks_dispute_decide", dispute.pk))
            for dispute in dashboard.oldest_disputes
        ],
        "sanctions": _url("admin:marketplace_sanction_changelist"),
        "bans": [
            (sanction, _url("admin:marketplace_sanction_change", sanction.pk))
            for sanction in dashboard.bans
        ],
    }


DASHBOARD_PERMISSION = "tasks.view_ops_dashboard"  # Z3: the figures cover every tenant's money


def dashboard_view(request, *, site: admin.AdminSite):
    require_power(request, DASHBOARD_PERMISSION)
    request.current_app = site.name
    dashboard = ops_dashboard()
    context = {
        **site.each_context(request),
        "title": _("Ops dashboard"),
        "dashboard": dashboard,
        "links": _links(dashboard),
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


class OpsAdminSite(admin.AdminSite):
    site_header = _lazy("Creator task marketplace · Ops")
    site_title = _lazy("Marketplace ops")
    index_title = _lazy("Operations")

    def get_urls(self):
        return [
            path("dashboard/", self.admin_view(self.dashboard), name="ops_dashboard"),
            *super().get_urls(),
        ]

    def dashboard(self, request):
        return dashboard_view(request, site=self)

    def index(self, request, extra_context=None):
        # The index keeps its app list; the box above it shows the key figures to those who
        # may see the dashboard (Z3).
        if not request.user.has_perm(DASHBOARD_PERMISSION):
            return super().index(request, extra_context=extra_context)
        dashboard = ops_dashboard()
        figures = {
            "ops_dashboard": dashboard,
            "ops_dashboard_links": _links(dashboard),
            **(extra_context or {}),
        }
        return super().index(request, extra_context=figures)
