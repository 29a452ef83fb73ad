"""Z3: ops powers are permissions. `is_staff` opens the admin; each action and page that moves
money or decides something asks for its own permission (custom ones in the models' Meta, seeded
into the groups 财务, 仲裁, 审核 and 风控 by providers/migrations/0003_ops_groups.py).

`power(perm)` makes the `has_<name>_permission` method Django's admin calls for an action
declared with `permissions=["<name>"]`: without the permission the action is neither offered
nor run when posted. `require_power(request, perm)` guards a custom admin page: 403.
`PowerLinksMixin` leaves out a list column linking to such a page for staff without its
permission. `api_power(perm)` is the same check as a DRF permission class, for the API rows
only a permission opens (the data feeds, the ops API).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import permissions


def power(perm: str):
    """The admin's `has_<name>_permission(request)` for an action that needs `perm`."""

    def has_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(perm)

    has_permission.__doc__ = f"Z3: the action needs the permission {perm}."
    return has_permission


def api_power(perm: str, doc: str = "") -> type[permissions.BasePermission]:
    """A DRF permission class: a signed-in user (a session or a token) holding `perm`."""

    class HasPower(permissions.BasePermission):
        def has_permission(self, request, view) -> bool:
            return bool(
                request.user and request.user.is_authenticated and request.user.has_perm(perm)
            )

    HasPower.__doc__ = doc or f"Z3: the endpoint needs the permission {perm}."
    HasPower.__name__ = HasPower.__qualname__ = "HasPower_" + perm.replace(".", "_")
    return HasPower


def require_power(request, perm: str) -> None:
    """A custom admin page that moves money or decides: 403 without `perm` (Z3)."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


class PowerLinksMixin:
    """A ModelAdmin whose list columns in `power_links` (column → permission) link to a page
    that needs the permission: the column is shown only to those who hold it."""

    power_links: dict[str, str] = {}

    def get_list_display(self, request):
        return [
            column
            for column in super().get_list_display(request)
            if column not in self.power_links or request.user.has_perm(self.power_links[column])
        ]
