from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DronesConfig(AppConfig):
    name = "drones"
    verbose_name = _("Police drones")
