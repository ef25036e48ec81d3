from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorsConfig(AppConfig):
    name = "simulators"
    verbose_name = _("Simulators")
