from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    """MCN agencies: contracts (C3), live sessions, monthly assessment, expulsion and appeal,
    verticals, focus slots and theme proposals (G1–G7). The tables keep their first names
    (`marketplace_agency` …): the models moved here by state-only migrations."""

    name = "agencies"
    verbose_name = _("MCN agencies")
