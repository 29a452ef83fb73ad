from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """The project package as an app (no models): seed_demo, the template tags, the home page.

    Its label is `project` because the parties app keeps the label `marketplace`."""

    default = True  # the app's config; OpsAdminConfig below is the admin's
    name = "marketplace"
    label = "project"
    verbose_name = _("Marketplace")


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the ops site (dashboard, figures on the index) as `admin.site`."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin
    default_site = "marketplace.admin_dashboard.OpsAdminSite"
