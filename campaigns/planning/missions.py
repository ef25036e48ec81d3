"""Each sortie's mission: generated with the existing generators, checked with the existing checks.

For one occurrence and one drone, ``MissionPlanner.plan`` gives a ``Plan``: where to take off, how many
laps per battery pack and how many packs, how long the sortie lasts, how many seconds it broadcasts and
the reach that buys, or why it cannot be flown (the checks' first violation, e.g. "airspace: ...").

- **Launch point.** Near the place, on the side nearest the drone's home: the home itself when the whole
  route is within line of sight of it, else beyond either end of a market's street or beside its middle
  (a long street is out of sight from its ends), or just outside the edge of a market's area; for a
  school, beside the school; then points all round the route. The rule is the mission generator's
  (``drones.missions.launch.launch_choose``): every waypoint within ``0.9 x DRONE_MAX_DISTANCE_M`` and
  outside the crowd area.
- **Laps and packs.** The generator runs with one and two laps to learn the time per lap and the fixed
  part (take-off, transit, landing) from the checks' flight estimate. A pack flies as many laps as fit in
  the endurance less the reserve (``DRONE_BATTERY_RESERVE_PCT``); the broadcast the campaign needs per
  visit (``campaign_broadcast_s``) takes ``ceil(laps needed / laps per pack)`` packs, flown one after the
  other with ``PACK_SWAP_S`` between them, never more than the drone has or the window holds.
- **Checks.** ``drones.missions.checks.run.check_route`` with the airspace in force and the markets in
  session near the place at the window's opening, and the approval reference of the sortie's approved
  flight application when there is one. A route rejected by the checks is never scheduled.

Generation and checks are cached per place, drone home, drone kind (speed, endurance) and the zones and
crowds in force, so the solver never regenerates a mission per candidate.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _
from shapely import geometry as shp

from campaigns.planning.problem import DroneInfo, Plan, epoch_s
from campaigns.planning.selectors import campaign_broadcast_s, playlist_loop_s
from campaigns.reach import ReachParameters, occurrence_reach
from drones.missions.checks.limits import Limits as CheckLimits
from drones.missions.checks.run import check_route
from drones.missions.frame import LocalFrame
from drones.missions.generators import GeneratorError, market_broadcast, school_patrol
from drones.missions.generators.inputs import MAX_LAPS
from drones.missions.launch import launch_choose
from drones.missions.markets import STREET_HALF_WIDTH_M, market_crowd_area, market_in_session

PACK_SWAP_S = 3 * 60  # land, change the pack, take off again
LAUNCH_STAND_OFF_M = STREET_HALF_WIDTH_M + 15.0  # outside the crowd area, as the crowd check requires
NEIGHBOUR_M = 3000.0  # markets this close may be in session over the route
TIMING_ENDURANCE_MIN = 600.0  # the timing runs must not stop at the endurance check
AIRSPACE_KINDS = ("no_fly", "restricted", "airport", "crowd")


@dataclass(frozen=True)
class Checked:
    """A generated route with its check: what ``Mission`` stores for a scheduled sortie."""

    key: tuple
    kind: str
    fields: dict
    validation: dict
    ok: bool
    codes: tuple[str, ...]
    first_message: str
    flight_s: float


def _reason(code: str, message: str) -> tuple[str, str]:
    """The schedule's reason code and text for a check's violation."""
    if code == "endurance":
        return "endurance", _("endurance: %(message)s") % {"message": message}
    return "airspace", _("airspace: %(message)s") % {"message": message}


class MissionPlanner:
    """Generates and checks the missions of one campaign's occurrences, with caches (see the module)."""

    def __init__(self, *, campaign, occurrences, approvals: dict[int, str]):
        from drones.models import Airspace, Market

        self.campaign = campaign
        self.approvals = approvals
        self.params = ReachParameters.from_settings()
        self.check_limits = CheckLimits.from_settings()
        self.loop_s = playlist_loop_s(campaign.playlist)
        self.needed_s = max(1.0, campaign_broadcast_s(campaign))
        self.zones = [z for z in Airspace.objects.filter(active=True, kind__in=AIRSPACE_KINDS)]
        self.markets = list(Market.objects.all())
        self._positions = {f"m{m.id}": self._market_position(m) for m in self.markets}
        self._crowd_areas = {m.id: market_crowd_area(m) for m in self.markets}
        self._neighbours: dict[str, list] = {}
        self._routes: dict[tuple, object] = {}
        self._checks: dict[tuple, Checked] = {}
        self._plans: dict[tuple, tuple] = {}
        self._contexts: dict[int, tuple] = {}
        self.missions: dict[tuple, Checked] = {}

    # --- places ------------------------------------------------------------------------------------

    @staticmethod
    def _market_position(market) -> tuple[float, float] | None:
        geometry = market.street or market.area
        if not geometry:
            return None
        centre = shp.shape(geometry).centroid
        return (centre.y, centre.x)

    def _place_position(self, occurrence) -> tuple[float, float] | None:
        if occurrence.market_id:
            return self._positions.get(f"m{occurrence.market_id}")
        return (occurrence.school.lat, occurrence.school.lon)

    def _near_markets(self, occurrence) -> list:
        place = f"m{occurrence.market_id}" if occurrence.market_id else f"s{occurrence.school_id}"
        found = self._neighbours.get(place)
        if found is None:
            here = self._place_position(occurrence)
            found = []
            if here is not None:
                from common.geo import haversine_m

                for market in self.markets:
                    there = self._positions.get(f"m{market.id}")
                    if there and self._crowd_areas.get(market.id):
                        if haversine_m(here[0], here[1], there[0], there[1]) <= NEIGHBOUR_M:
                            found.append(market)
            self._neighbours[place] = found
        return found

    def repeat_share(self, is_market: bool) -> float:
        return self.params.repeat_share_market if is_market else self.params.repeat_share_school

    # --- routes and launch points ----------------------------------------------------------------------

    def _generate(self, occurrence, *, laps: int, start_at):
        if occurrence.market_id:
            return market_broadcast(occurrence.market, laps=laps, start_at=start_at)
        return school_patrol(occurrence.school, laps=laps, start_at=start_at)

    def _launch_candidates(self, occurrence, home) -> list[tuple[float, float]]:
        """Points near the place, nearest the drone's home first (the home itself leads when given)."""
        candidates: list[tuple[float, float]] = []
        if occurrence.market_id:
            market = occurrence.market
            if market.street:
                line = shp.shape(market.street)
                frame = LocalFrame(line.coords[0][1], line.coords[0][0])
                local = frame.to_local(line)
                coords = list(local.coords)
                for end, before in ((coords[0], coords[1]), (coords[-1], coords[-2])):
                    dx, dy = end[0] - before[0], end[1] - before[1]
                    norm = math.hypot(dx, dy) or 1.0
                    candidates.append(
                        frame.point_latlon(
                            end[0] + dx / norm * LAUNCH_STAND_OFF_M, end[1] + dy / norm * LAUNCH_STAND_OFF_M
                        )
                    )
                middle = local.interpolate(0.5, normalized=True)
                ahead = local.interpolate(min(1.0, 0.5 + 1.0 / max(local.length, 1.0)), normalized=True)
                dx, dy = ahead.x - middle.x, ahead.y - middle.y
                norm = math.hypot(dx, dy) or 1.0
                for side in (1, -1):
                    candidates.append(
                        frame.point_latlon(
                            middle.x - side * dy / norm * LAUNCH_STAND_OFF_M,
                            middle.y + side * dx / norm * LAUNCH_STAND_OFF_M,
                        )
                    )
            elif market.area:
                area = shp.shape(market.area)
                frame = LocalFrame(area.centroid.y, area.centroid.x)
                local = frame.to_local(area)
                centre = local.centroid
                reach = math.hypot(local.bounds[2] - local.bounds[0], local.bounds[3] - local.bounds[1]) + 100
                for k in range(8):
                    angle = k * math.pi / 4
                    ray = shp.LineString(
                        [(centre.x, centre.y), (centre.x + reach * math.cos(angle), centre.y + reach * math.sin(angle))]
                    )
                    hit = ray.intersection(local.exterior)
                    points = list(getattr(hit, "geoms", [hit])) if not hit.is_empty else []
                    if not points:
                        continue
                    far = max(points, key=lambda p: centre.distance(p))
                    out = 15.0
                    candidates.append(frame.point_latlon(far.x + out * math.cos(angle), far.y + out * math.sin(angle)))
        else:
            school = occurrence.school
            candidates.append((school.lat, school.lon))
        if home is not None:
            frame = LocalFrame(home[0], home[1])
            origin = frame.point_xy(home[0], home[1])
            candidates.sort(key=lambda c: math.dist(frame.point_xy(c[0], c[1]), origin))
            candidates.insert(0, home)
        return [(round(lat, 7), round(lon, 7)) for lat, lon in candidates]

    def _launch(self, occurrence, home) -> tuple[float, float] | None:
        """The first candidate with the whole route in line of sight and outside the crowd area."""
        key = ("launch", self._place_key(occurrence), home)
        if key in self._routes:
            return self._routes[key]  # type: ignore[return-value]
        try:
            route = self._generate(occurrence, laps=1, start_at=None).waypoints
        except GeneratorError:
            self._routes[key] = None
            return None
        # The shared rule (drones.missions.launch): these candidates first, then all round the route.
        choice = launch_choose(
            route,
            home=home,
            max_distance_m=self.check_limits.max_distance_m,
            candidates=self._launch_candidates(occurrence, home),
            crowd=self._crowd_areas.get(occurrence.market_id) if occurrence.market_id else None,
            stand_off_m=LAUNCH_STAND_OFF_M,
        )
        chosen = choice.point  # out of sight even so when not choice.in_sight: the checks will say how far
        self._routes[key] = chosen
        return chosen

    @staticmethod
    def _place_key(occurrence) -> str:
        return f"m{occurrence.market_id}" if occurrence.market_id else f"s{occurrence.school_id}"

    # --- checks ------------------------------------------------------------------------------------

    def _airspace_at(self, occurrence, at: dt.datetime):
        zones = [z for z in self.zones if z.in_force(at)]
        crowds = []
        for market in self._near_markets(occurrence):
            if market_in_session(market, at):
                crowds.append((self._crowd_areas[market.id], float(market.min_alt_m), market.name))
        return zones, crowds

    def _checked(self, occurrence, drone: DroneInfo, launch, laps: int, endurance_min: float, context) -> Checked:
        zones, crowds, approval = context
        key = (
            self._place_key(occurrence),
            launch,
            laps,
            drone.speed_mps,
            endurance_min,
            tuple(z.id for z in zones),
            tuple(c[2] for c in crowds),
            approval,
        )
        found = self._checks.get(key)
        if found is not None:
            return found
        generated = self._generate(occurrence, laps=laps, start_at=launch)
        result = check_route(
            generated.waypoints,
            launch=launch,
            takeoff_alt_m=generated.takeoff_alt_m,
            speed_mps=generated.speed_mps or drone.speed_mps,
            drone_endurance_min=endurance_min,
            operating_area=generated.operating_area,
            airspaces=zones,
            crowds=crowds,
            approval_ref=approval,
            limits=self.check_limits,
        )
        first = result.violations[0] if result.violations else None
        found = Checked(
            key=key,
            kind=generated.kind,
            fields={
                "params": generated.params,
                "waypoints": generated.route_json(),
                "takeoff_alt_m": generated.takeoff_alt_m,
                "speed_mps": generated.speed_mps,
                "operating_area": generated.operating_area,
                "launch_lat": launch[0],
                "launch_lon": launch[1],
            },
            validation=result.as_dict(),
            ok=result.ok,
            codes=tuple(result.codes()),
            first_message=first.message if first else "",
            flight_s=float(result.estimate.flight_time_s) if result.estimate else 0.0,
        )
        self._checks[key] = found
        self.missions[key] = found
        return found

    def plan(self, occurrence, drone: DroneInfo) -> Plan:
        """The sortie's mission for ``occurrence`` (an ``Occurrence`` row) flown by ``drone`` (see the module)."""
        context = self._contexts.get(occurrence.id)
        if context is None:
            zones, crowds = self._airspace_at(occurrence, occurrence.window_start)
            context = (zones, crowds, self.approvals.get(occurrence.id, ""))
            self._contexts[occurrence.id] = context
        zones, crowds, approval = context
        window = epoch_s(occurrence.window_end) - epoch_s(occurrence.window_start)
        key = (
            self._place_key(occurrence),
            drone.home,
            drone.speed_mps,
            drone.endurance_min,
            drone.packs,
            tuple(z.id for z in zones),
            tuple(c[2] for c in crowds),
            approval,
        )
        base = self._plans.get(key)
        if base is None:
            base = self._base_plan(occurrence, drone, context)
            self._plans[key] = base
        if not base[0]:
            return Plan(ok=False, code=base[1], reason=base[2])
        _ok, _code, _text, launch, laps_pack, packs, lap_s, final = base
        duration = packs * final.flight_s + (packs - 1) * PACK_SWAP_S
        while packs > 1 and duration > window:
            packs -= 1
            duration = packs * final.flight_s + (packs - 1) * PACK_SWAP_S
        duration_s = int(math.ceil(duration / 60.0) * 60)
        if duration_s > window:
            return Plan(
                ok=False,
                code="endurance",
                reason=_("endurance: the sortie needs %(need)d min, longer than the %(window)d-min window")
                % {"need": duration_s // 60, "window": window // 60},
            )
        broadcast_s = packs * laps_pack * lap_s
        dwell = (
            self.params.dwell_school_s
            if not occurrence.market_id
            else (self.params.dwell_night_market_s if occurrence.market.kind == "night" else self.params.dwell_market_s)
        )
        reach = occurrence_reach(
            expected_crowd=int(occurrence.expected_crowd or 0),
            broadcast_s=min(broadcast_s, self.needed_s),
            loop_s=self.loop_s,
            window_s=max(1.0, float(window)),
            dwell_s=dwell,
            cap=self.params.cap,
        )
        mission_key = final.key
        return Plan(
            ok=True,
            launch=launch,
            duration_s=duration_s,
            packs=packs,
            broadcast_s=broadcast_s,
            reach=reach,
            mission_key=mission_key,
        )

    def _base_plan(self, occurrence, drone: DroneInfo, context) -> tuple:
        """(ok, code, reason, launch, laps per pack, packs, broadcast s per lap, final ``Checked``)."""
        launch = self._launch(occurrence, drone.home)
        if launch is None:
            try:
                self._generate(occurrence, laps=1, start_at=None)
            except GeneratorError as exc:
                return (False, "airspace", _("mission: %(message)s") % {"message": exc.message})
            return (False, "airspace", _("mission: no launch point near %(place)s") % {"place": occurrence})
        try:
            one = self._checked(occurrence, drone, launch, 1, TIMING_ENDURANCE_MIN, context)
            two = self._checked(occurrence, drone, launch, 2, TIMING_ENDURANCE_MIN, context)
        except GeneratorError as exc:
            return (False, "airspace", _("mission: %(message)s") % {"message": exc.message})
        if not one.ok:
            violation = one.validation["violations"][0]
            code, text = _reason(violation["code"], violation["message"])
            return (False, code, text)
        per_lap = max(1.0, two.flight_s - one.flight_s)
        fixed_s = max(0.0, one.flight_s - per_lap)
        lap_s = float(one.fields["params"].get("lap_s") or per_lap)
        laps_needed = min(MAX_LAPS, max(1, math.ceil(self.needed_s / lap_s - 1e-9)))
        allowed_s = drone.endurance_min * 60.0 * (1.0 - self.check_limits.reserve_pct / 100.0)
        laps_fit = math.floor((allowed_s - fixed_s) / per_lap)
        laps_pack = max(1, min(laps_needed, laps_fit, MAX_LAPS))
        final = self._checked(occurrence, drone, launch, laps_pack, drone.endurance_min, context)
        while not final.ok and "endurance" in final.codes and laps_pack > 1:
            laps_pack -= 1
            final = self._checked(occurrence, drone, launch, laps_pack, drone.endurance_min, context)
        if not final.ok:
            violation = final.validation["violations"][0]
            code, text = _reason(violation["code"], violation["message"])
            return (False, code, text)
        packs = min(drone.packs, max(1, math.ceil(laps_needed / laps_pack)))
        return (True, "", "", launch, laps_pack, packs, lap_s, final)


__all__ = ["PACK_SWAP_S", "Checked", "MissionPlanner"]
