from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    """Users, tenants and their memberships, shops, creators, sanctions, notifications.

    The label stays `marketplace` (the app's first home): tables, migrations, permissions and
    `AUTH_USER_MODEL = "marketplace.User"` keep their names.
    """

    name = "parties"
    label = "marketplace"
    verbose_name = _("Parties and tenants")
