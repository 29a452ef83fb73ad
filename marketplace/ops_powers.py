"""Z3: ops powers are permissions. `is_staff` opens the admin; each action and page that moves
money or decides something asks for its own permission (custom ones in the models' Meta, seeded
into the groups 财务, 仲裁, 审核 and 风控 by providers/migrations/0003_ops_groups.py).

`power(perm)` makes the `has_<name>_permission` method Django's admin calls for an action
declared with `permissions=["<name>"]`: without the permission the action is neither offered
nor run when posted. `require_power(request, perm)` guards a custom admin page: 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def power(perm: str):
    """The admin's `has_<name>_permission(request)` for an action that needs `perm`."""

    def has_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(perm)

    has_permission.__doc__ = f"Z3: the action needs the permission {perm}."
    return has_permission


def require_power(request, perm: str) -> None:
    """A custom admin page that moves money or decides: 403 without `perm` (Z3)."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
