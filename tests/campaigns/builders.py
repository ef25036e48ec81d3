"""Objects campaigns tests build: a clip, a playlist and a campaign (no audio decoding involved)."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Campaign, Clip, Playlist, PlaylistItem


def clip(title: str = "反诈提醒", *, duration_s: float = 75.0, status: str = "approved") -> Clip:
    return Clip.objects.create(
        title=title,
        theme="anti_fraud",
        script="不听、不信、不转账。",
        audio=f"campaigns/clips/{title}.mp3",
        audio_format="mp3",
        duration_s=duration_s,
        size_bytes=1000,
        sha256="0" * 64,
        status=status,
    )


def playlist(*clips: Clip, name: str = "反诈") -> Playlist:
    result = Playlist.objects.create(name=name)
    for position, item in enumerate(clips or (clip(),), start=1):
        PlaylistItem.objects.create(playlist=result, clip=item, position=position)
    return result


def campaign(
    *,
    start: dt.date = dt.date(2026, 12, 1),
    end: dt.date = dt.date(2026, 12, 31),
    scope: str = "all",
    time_of_day: str = "any",
    **fields,
) -> Campaign:
    return Campaign.objects.create(
        name=fields.pop("name", "反诈宣传进大集"),
        theme="anti_fraud",
        start_date=start,
        end_date=end,
        playlist=fields.pop("playlist", None) or playlist(),
        reach_target=fields.pop("reach_target", 50_000),
        market_scope=scope,
        time_of_day=time_of_day,
        **fields,
    )


MARKET_STREET = {"type": "LineString", "coordinates": [[118.17, 36.18], [118.172, 36.181]]}


def market(name: str = "王庄大集", *, days=(1, 6, 11, 16, 21, 26), attendance: int | None = 3000, **fields):
    """A rural market on lunar days (逢一六 by default), 07:00-12:00, with its attendance per session."""
    from drones.models import Market

    return Market.objects.create(
        name=name, kind="rural", lunar_days=list(days), street=MARKET_STREET, attendance=attendance, **fields
    )


def sortie(occurrence, *, drone=None, pilot=None, status: str = "scheduled", minutes: int = 20):
    """A sortie for ``occurrence`` at its window's start (a drone and pilot are made when not given)."""
    from campaigns.models import Sortie
    from drones.models import Drone, Pilot
    from tests.factories import UserFactory

    if drone is None:
        drone = Drone.objects.filter(name="宣传一号").first() or Drone.objects.create(
            name="宣传一号", serial="SN-PUB-1", connection="tcp:127.0.0.1:9", home_lat=36.18, home_lon=118.17,
            payloads=["loudspeaker"],
        )  # fmt: skip
    if pilot is None:
        pilot = Pilot.objects.filter(licence_no="UAS-PUB-1").first() or Pilot.objects.create(
            user=UserFactory(username="pub-pilot"), licence_no="UAS-PUB-1",
            licence_expiry=occurrence.date + dt.timedelta(days=365),
        )  # fmt: skip
    return Sortie.objects.create(
        occurrence=occurrence, drone=drone, pilot=pilot, launch_lat=36.18, launch_lon=118.17,
        start=occurrence.window_start, end=occurrence.window_start + dt.timedelta(minutes=minutes), status=status,
    )  # fmt: skip


# --- scheduling: markets, drones, pilots (tests/campaigns/test_schedule*.py) ---

STREET_START = (36.18, 118.17)  # (lat, lon) of a market street's first end; streets run ~210 m north-east


def street_market(
    name: str = "王庄大集",
    *,
    at: tuple[float, float] = STREET_START,
    weekdays=(0, 1, 2, 3, 4, 5, 6),
    opens: dt.time = dt.time(8, 0),
    closes: dt.time = dt.time(9, 0),
    attendance: int = 3000,
    **fields,
):
    """A market meeting on ``weekdays`` from ``opens`` to ``closes`` along a short street at ``at``."""
    from drones.models import Market

    lat, lon = at
    street = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat + 0.001]]}
    return Market.objects.create(
        name=name, kind="rural", weekdays=list(weekdays), street=street, opens=opens, closes=closes,
        attendance=attendance, **fields,
    )  # fmt: skip


def drone(
    name: str = "喊话一号",
    *,
    loudspeaker: bool = True,
    home: tuple[float, float] = (36.185, 118.17),
    batteries: int = 2,
    **fields,
):
    """A drone (loudspeaker by default) with its home about 600 m from ``STREET_START`` and ``batteries`` packs."""
    from drones.models import Battery, Drone

    number = Drone.objects.count() + 1
    result = Drone.objects.create(
        name=name, serial=f"SN-{name}", connection=f"tcp:127.0.0.1:{5760 + number}",
        payloads=["loudspeaker"] if loudspeaker else ["camera"], home_lat=home[0], home_lon=home[1], **fields,
    )  # fmt: skip
    for n in range(batteries):
        Battery.objects.create(serial=f"B-{name}-{n}", drone=result)
    return result


def pilot(username: str = "pilot1", *, expiry: dt.date = dt.date(2030, 1, 1)):
    """A drone operator's account with a pilot licence valid until ``expiry``."""
    from common.roles import Role
    from drones.models import Pilot
    from tests.factories import make_user

    user = make_user(Role.DRONE_OPERATOR, username=username)
    return Pilot.objects.create(user=user, licence_no=f"UAS-{username}", licence_expiry=expiry)
