from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    default = True  # the app's config; OpsAdminConfig below is the admin's
    name = "marketplace"
    verbose_name = _("Parties and tenants")


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the ops site (dashboard, figures on the index) as `admin.site`."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin
    default_site = "marketplace.admin_dashboard.OpsAdminSite"
