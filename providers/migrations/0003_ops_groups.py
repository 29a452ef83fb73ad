"""Z3: the ops groups, seeded with the powers of each desk. An ops account gets its powers by
joining one or more groups in the admin (Users → groups); `is_staff` alone opens the admin and
nothing that moves money or decides.

财务 (finance) pays out withdrawals; 仲裁 (arbitration) decides disputes and applies due
deadlines; 审核 (review) admits providers and decides agency appeals and theme proposals; 风控
(risk) records violations, lifts sanctions, suspends providers, ends contracts and resolves
complaints. Invoices and incentive applications join 财务 and 审核 with their own permissions
when those features land. Re-running keeps what ops added to a group by hand.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ORDERS = ["tasks.view_order", "tasks.view_task", "tasks.view_ops_dashboard"]

GROUPS = {
    "财务": [
        "escrow.decide_withdrawal",
        "escrow.view_withdrawal",
        "escrow.view_account",
        "escrow.view_journaltransaction",
        "escrow.view_entry",
        "escrow.view_paymentintent",
        "escrow.view_payoutaccount",
        *VIEW_ORDERS,
    ],
    "仲裁": [
        "tasks.decide_dispute",
        "tasks.view_dispute",
        "tasks.apply_order_deadline",
        "tasks.view_delivery",
        "tasks.view_deliveryfile",
        "tasks.view_ordermessage",
        "tasks.view_revision",
        *VIEW_ORDERS,
    ],
    "审核": [
        "providers.decide_providerapplication",
        "providers.view_providerapplication",
        "providers.view_providerdocument",
        "providers.view_providerdecision",
        "marketplace.view_serviceprovider",
        "marketplace.decide_agencyappeal",
        "marketplace.view_agencyappeal",
        "marketplace.view_agencyexpulsion",
        "marketplace.readmit_agency",
        "marketplace.view_agency",
        "marketplace.decide_themeproposal",
        "marketplace.view_themeproposal",
        "tasks.view_ops_dashboard",
    ],
    "风控": [
        "marketplace.record_violation",
        "marketplace.view_violation",
        "marketplace.lift_sanction",
        "marketplace.view_sanction",
        "marketplace.change_provider_standing",
        "marketplace.view_serviceprovider",
        "marketplace.end_agencycontract",
        "marketplace.view_agencycontract",
        "marketplace.add_agencycomplaint",
        "marketplace.resolve_agencycomplaint",
        "marketplace.view_agencycomplaint",
        "tasks.close_task",
        *VIEW_ORDERS,
    ],
}


def seed_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    # Permissions are created after the last migration; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=alias, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.using(alias).get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.using(alias).get(
                    content_type__app_label=app_label, codename=codename
                )
            )


def unseed_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=list(GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("escrow", "0004_ops_permissions"),
        ("marketplace", "0009_ops_permissions"),
        ("providers", "0002_ops_permissions"),
        ("tasks", "0009_ops_permissions"),
    ]

    operations = [migrations.RunPython(seed_groups, unseed_groups)]
