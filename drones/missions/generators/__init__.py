"""Mission generators: school patrol loops, market corridor broadcasts, point broadcasts.

Each generator validates its input, does the geometry in metres in the local UTM
zone (``drones.missions.frame.LocalFrame``; EPSG:32650 for the demo county) with pyproj and
shapely, and returns a ``GeneratedMission``: WGS-84 ``Waypoint``s with heights in
metres above the launch point, the settings used (for ``Mission.params``), a
suggested operating area (GeoJSON Polygon, WGS-84: the route, the launch point and
a margin; the inclusion fence must contain the transit too, or the fence would send
the drone home on its way out) and rough length/duration estimates.

Time estimates use ArduCopter 4.7 defaults where the mission does not set them:
climb 2.5 m/s (WPNAV_SPEED_UP), acceleration 2.5 m/s² (WPNAV_ACCEL; every full stop
and restart costs about speed/accel seconds), descent 1.5 m/s then 0.5 m/s for the
last 10 m (WPNAV_SPEED_DN, LAND_SPEED). The endurance check proper lives in ``checks``.

Bad input raises ``GeneratorError`` with a message for the operator and the name
of the parameter (``field``) it is about.

One generator a module: ``school`` (patrol laps around a school), ``market``
(loudspeaker sweeps over a market street or area), ``points`` (hover and
broadcast at points); ``generated`` holds what they return and raise, ``inputs``
the checks of their parameters, ``paths`` the path helpers and estimates they
share. The generators, their result and their error are importable from here.
"""

from __future__ import annotations

from drones.missions.generators.generated import GeneratedMission, GeneratorError
from drones.missions.generators.market import market_broadcast
from drones.missions.generators.points import point_broadcast
from drones.missions.generators.school import school_patrol

__all__ = ["GeneratedMission", "GeneratorError", "market_broadcast", "point_broadcast", "school_patrol"]
