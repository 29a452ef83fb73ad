"""Z3: the 审核 (review) desk decides incentive applications and the 风控 (risk) desk confirms
complaints, counterfeits and cheating (I9, I10); both read the programs and the coupon book."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "审核": [
        "decide_incentiveapplication",
        "view_incentiveapplication",
        "view_program",
        "view_liveaccount",
    ],
    "风控": [
        "confirm_incentive_violation",
        "view_liveaccount",
        "view_coupontransaction",
        "view_couponaccount",
    ],
}


def seed(apps, schema_editor):
    alias = schema_editor.connection.alias
    config = apps.get_app_config("incentives")
    config.models_module = True
    create_permissions(config, verbosity=0, using=alias, apps=apps)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.using(alias).get_or_create(name=name)
        for codename in codenames:
            group.permissions.add(
                Permission.objects.using(alias).get(
                    content_type__app_label="incentives", codename=codename
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0003_lives_and_applications"),
        ("providers", "0003_ops_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
