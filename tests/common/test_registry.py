"""The registries ``common`` offers the apps: navigation, overview sections and cards, background jobs.

``common`` imports no app (tests/test_architecture.py); each app registers in ``AppConfig.ready()``, and
these tests check that what the apps registered makes the same menu and overview as before, and that a
new registration lands where its ``order`` puts it.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campus import services
from common.dashboard import (
    Section,
    dashboard_for,
    overview_card_register,
    overview_card_unregister,
    section_register,
    section_unregister,
)
from common.jobs import Job, job_register, job_unregister, registered_jobs
from common.nav import nav_entry_register, nav_group_register, nav_group_unregister, nav_menu, nav_unregister
from common.roles import Capability, Role, roles_of
from config.lifespan import Lifespan
from tests.factories import make_user

# The menu as the apps register it: (group key or None for a top-level link, its links in order).
MENU = [
    (None, ["home"]),
    (None, ["campus:map"]),
    (
        "registry",
        ["campus:school_list", "campus:station_list", "campus:officer_list", "campus:coverage", "campus:import_list"],
    ),
    (
        "duty",
        ["patrol:duty-today", "patrol:duty-board", "patrol:roster-home", "patrol:duty-stats", "patrol:schedule-home"],
    ),
    (
        "incidents",
        [
            "incidents:report-new",
            "incidents:report-mine",
            "incidents:handle-inbox",
            "incidents:handle-follow-ups",
            "incidents:handle-rectifications",
            "incidents:analysis-month",
        ],
    ),
    ("drills", ["drills:drill-board", "drills:plan-list", "drills:activity-list"]),
    ("drones", ["drones:live_map", "drones:fleet_list", "drones:mission_list", "drones:airspace_list"]),
    (
        "campaigns",
        [
            "campaigns:campaign-list",
            "campaigns:sheet-day",
            "campaigns:application-list",
            "campaigns:clip-list",
            "campaigns:playlist-list",
            "campaigns:reach-year",
        ],
    ),
    ("reports", ["reports:report-list", "reports:target-list"]),
    (None, ["audit_log"]),
]


def _menu() -> list[tuple[str | None, list[str]]]:
    return [(group.key if group else None, [e.url_name for e in links]) for group, links in nav_menu()]


def test_the_apps_register_the_menu_in_its_order():
    assert _menu() == MENU
    labels = {group.key: str(group.label) for group, _links in nav_menu() if group}
    assert labels == {
        "registry": "Schools and liaisons",
        "duty": "Gate duty",
        "incidents": "Incidents",
        "drills": "Drills",
        "drones": "Drones",
        "campaigns": "Campaigns",
        "reports": "Reports",
    }


@pytest.fixture
def extra_nav():
    yield
    nav_unregister("api_token")
    nav_group_unregister("tools")


def test_a_registered_link_shows_in_its_group_and_order(extra_nav, admin_user):
    nav_group_register(key="tools", label=_("Tools"), order=450)  # between drills and drones
    nav_entry_register("api_token", _("API tokens"), group="tools", order=0, visible=Capability.VIEW_AUDIT)
    assert [key for key, _links in _menu()].index("tools") == [key for key, _links in MENU].index("drones")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    names = [item["name"] for item in client.get(reverse("home")).context["nav_items"]]
    assert names[names.index("drills:activity-list") + 1 : names.index("drones:live_map")] == ["api_token"]


def test_a_link_the_user_may_not_see_is_not_shown(extra_nav, db):
    nav_group_register(key="tools", label=_("Tools"), order=450)
    nav_entry_register("api_token", _("API tokens"), group="tools", order=0, visible=lambda user: False)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(Role.DRONE_OPERATOR))
    names = [item["name"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "api_token" not in names and "drones:live_map" in names


def test_a_link_in_an_unregistered_group_is_an_error(extra_nav):
    nav_entry_register("api_token", _("API tokens"), group="tools", order=0)
    with pytest.raises(LookupError, match="tools"):
        nav_menu()


@pytest.fixture
def extra_section():
    yield
    section_unregister("extra")
    overview_card_unregister("extra")


def _extra_section(*, user, now):
    return Section(key="extra", title="Extra")


@pytest.mark.django_db
def test_a_registered_section_shows_where_its_order_puts_it(extra_section, admin_user):
    section_register(key="extra", provider=_extra_section, order=250)  # after duty, before incidents
    assert [s.key for s in dashboard_for(admin_user)] == [
        "liaison",
        "duty",
        "extra",
        "incidents",
        "drills",
        "drones",
        "campaigns",
    ]
    section_register(key="extra", provider="tests.common.test_registry._extra_section", order=1000)  # replaced
    assert [s.key for s in dashboard_for(admin_user)][-1] == "extra"


def test_a_registered_overview_card_shows_for_the_users_it_returns_a_context_for(extra_section, school, leader):
    overview_card_register(
        key="extra",
        template="campus/overview_my_school.html",
        context=lambda user: {"school": school} if Role.LEADERSHIP in roles_of(user) else None,
        order=0,
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(leader)
    assert [c["key"] for c in client.get(reverse("home")).context["overview_cards"]] == ["extra"]
    client.force_login(make_user(Role.DRONE_OPERATOR))
    assert client.get(reverse("home")).context["overview_cards"] == []


def test_school_staff_see_their_school_and_liaison_officer_on_the_overview(school, officer, scheduler):
    services.liaison_assign(school=school, officer=officer, actor=scheduler)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(Role.SCHOOL_STAFF, school=school))
    html = client.get(reverse("home")).content.decode()
    assert f'My school: <a href="{reverse("campus:school_detail", args=[school.pk])}">{school.name}</a>' in html
    assert f"Your liaison officer: <strong>{officer.name}</strong>" in html
    client.force_login(scheduler)
    assert "My school" not in client.get(reverse("home")).content.decode()


def test_incidents_and_drones_register_their_background_jobs():
    names = [job.name for job in registered_jobs()]
    assert names.index("incident escalation") < names.index("embedded drone bridge")


def test_escalation_is_off_when_its_interval_is_zero(settings):
    job = next(j for j in registered_jobs() if j.name == "incident escalation")
    settings.INCIDENT_ESCALATE_INTERVAL_S = 0
    assert job.start() is None
    settings.INCIDENT_ESCALATE_INTERVAL_S = 30
    coro = job.start()
    assert asyncio.iscoroutine(coro)
    coro.close()


def test_the_bridge_is_off_unless_embedded(settings):
    job = next(j for j in registered_jobs() if j.name == "embedded drone bridge")
    settings.DRONE_BRIDGE_EMBEDDED = False
    assert job.start() is None


async def _lifespan(app, *messages: str) -> list[dict]:
    """Drive ``app`` through the ASGI lifespan ``messages``; return what it sent."""
    inbox: asyncio.Queue = asyncio.Queue()
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    for message in messages:
        inbox.put_nowait({"type": message})
    await asyncio.wait_for(app({"type": "lifespan"}, inbox.get, send), timeout=5)
    return sent


async def _no_app(scope, receive, send):  # pragma: no cover - the lifespan never passes it on
    raise AssertionError("not reached")


@pytest.mark.asyncio
async def test_a_registered_job_runs_from_start_up_until_shut_down():
    started, stopped = asyncio.Event(), asyncio.Event()

    async def forever():
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    job_register(name="test job", start=forever)
    try:
        app = Lifespan(_no_app, jobs=[j for j in registered_jobs() if j.name == "test job"])
        inbox: asyncio.Queue = asyncio.Queue()
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        server = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))
        inbox.put_nowait({"type": "lifespan.startup"})
        await asyncio.wait_for(started.wait(), timeout=5)
        assert sent == [{"type": "lifespan.startup.complete"}] and not stopped.is_set()
        inbox.put_nowait({"type": "lifespan.shutdown"})
        await asyncio.wait_for(server, timeout=5)
        assert stopped.is_set() and sent[-1] == {"type": "lifespan.shutdown.complete"}
    finally:
        job_unregister("test job")


@pytest.mark.asyncio
async def test_a_job_that_fails_is_logged_and_the_others_keep_running(caplog):
    ran = asyncio.Event()

    async def fails():
        raise RuntimeError("boom")

    async def keeps_running():
        ran.set()
        await asyncio.Event().wait()

    app = Lifespan(_no_app, jobs=[Job("fails", fails), Job("off", lambda: None), Job("runs", keeps_running)])
    with caplog.at_level(logging.ERROR, logger="common.jobs"):
        app.runner.start()
        await asyncio.wait_for(ran.wait(), timeout=5)
        await asyncio.sleep(0)
        assert [t.get_name() for t in app.runner.tasks if not t.done()] == ["runs"]
        await app.runner.stop()
    assert "background job 'fails' stopped with an error" in caplog.text
    assert app.runner.tasks == []


@pytest.mark.asyncio
async def test_a_job_that_cannot_start_fails_the_start_up_and_stops_the_started_ones():
    async def first():
        await asyncio.Event().wait()

    def broken():
        raise ValueError("bad setting")

    app = Lifespan(_no_app, jobs=[Job("first", first), Job("broken", broken)])
    sent = await _lifespan(app, "lifespan.startup")
    assert sent == [{"type": "lifespan.startup.failed", "message": "bad setting"}]
    assert app.runner.tasks == []
