"""Helpers that data migrations share (imported by migrations only)."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations


def add_group_permissions(apps, schema_editor, *, app_label: str, groups: dict) -> None:
    """Z3: give each ops group (created if missing) the app's permissions named in `groups`
    ({group name: [codename, …]}). Permissions are created after the last migration, so the
    app's are created here first. Re-running keeps what ops added to a group by hand."""
    alias = schema_editor.connection.alias
    config = apps.get_app_config(app_label)
    config.models_module = True
    create_permissions(config, verbosity=0, using=alias, apps=apps)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in groups.items():
        group, _ = Group.objects.using(alias).get_or_create(name=name)
        for codename in codenames:
            group.permissions.add(
                Permission.objects.using(alias).get(
                    content_type__app_label=app_label, codename=codename
                )
            )


def postgres_sql(sql: str, reverse_sql: str):
    """A migration operation running `sql` (and `reverse_sql` when unapplied) on PostgreSQL
    only: the triggers and functions SQLite (`make run`) has no counterpart for, where the
    services' Python enforces the same rules."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql, params=None)

    return migrations.RunPython(forward, backward)
