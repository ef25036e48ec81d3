from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _can_import(user) -> bool:
    from imports.services import importable_kinds

    return bool(importable_kinds(user))


def _my_school_card(user) -> dict | None:
    from campus.views import overview_my_school

    return overview_my_school(user)


class CampusConfig(AppConfig):
    name = "campus"
    verbose_name = _("School registry and liaison officers")

    def ready(self) -> None:
        from campus.import_kinds import register_kinds
        from common.dashboard import overview_card_register, section_register
        from common.nav import nav_entry_register, nav_group_register
        from common.roles import Capability

        nav_entry_register("campus:map", _("Map"), order=10, visible=Capability.VIEW_REGISTRY)
        nav_group_register(key="registry", label=_("Schools and liaisons"), order=100)
        for order, (url_name, label, visible) in enumerate(
            [
                ("campus:school_list", _("Schools"), Capability.VIEW_REGISTRY),
                ("campus:station_list", _("Stations"), Capability.VIEW_COVERAGE),
                ("campus:officer_list", _("Officers"), Capability.VIEW_COVERAGE),
                ("campus:coverage", _("Coverage"), Capability.VIEW_COVERAGE),
                ("campus:import_list", _("Imports"), _can_import),  # the import kinds the user may run
            ]
        ):
            nav_entry_register(url_name, label, group="registry", order=order * 10, visible=visible)
        register_kinds()  # the registry's eight import kinds
        section_register(key="liaison", provider="campus.dashboard.liaison_section", order=100)
        overview_card_register(
            key="my_school", template="campus/overview_my_school.html", context=_my_school_card, order=100
        )
