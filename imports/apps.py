from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """The import framework. Its kinds come from the apps that register them (``imports.registry``)."""

    name = "imports"
    verbose_name = _("Imports")
