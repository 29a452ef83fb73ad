"""Z3: the 审核 (review) desk decides incentive applications and the 风控 (risk) desk confirms
complaints, counterfeits and cheating (I9, I10); both read the programs and the coupon book."""

from django.db import migrations

from core.migration_ops import add_group_permissions

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
    add_group_permissions(apps, schema_editor, app_label="incentives", groups=GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0003_lives_and_applications"),
        ("providers", "0003_ops_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
