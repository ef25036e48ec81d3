"""The legal and feasibility checks of a mission route, before anything is uploaded.

``check_route`` takes a parsed route (``drones.missions.route.Waypoint``s,
WGS-84, heights above the launch point) and reports every violation, each with
the waypoint or segment, the limit, the value and a GeoJSON geometry of where
it happens, plus an estimate of the flight. ``check_mission`` does the same
for a stored ``Mission``, gathering the airspace in force and the crowds (markets
in session) at its planned start.

What is checked (limits from settings, with the Chinese 2024 UAV rules as defaults):

- ``too_few_points``: a route needs at least two waypoints.
- ``too_many_items``: ArduCopter stores at most 650 mission items (``MISSION_COUNT``
  above that: ``NO_SPACE`` + ``Only 650 items are supported``, SITL scenario 04).
- ``ceiling``: the take-off height and every waypoint at most ``DRONE_MAX_HEIGHT_M``
  (120 m). Heights are above the launch point; without a terrain model, over
  rising ground the true height is less and over a valley more. Between two
  waypoints the height changes linearly, so checking the waypoints is enough.
- ``terrain_ceiling`` / ``terrain_clearance``: only with a terrain model (``drones.terrain``,
  ``DRONE_TERRAIN_DEM``): at every waypoint and every 20 m along every leg, the height above the
  ground at most ``DRONE_MAX_HEIGHT_M`` and at least ``DRONE_MIN_CLEARANCE_M`` (10 m); where the
  model has no ground, a ``terrain_unknown`` notice. The result carries the ground profile.
- ``outside_area`` / ``near_area_edge``: the launch point, every waypoint and every
  segment (including the leg from the launch point and the return leg) inside
  the operating area, the inclusion fence as it is uploaded; waypoints at least
  ``FENCE_MARGIN`` (2 m) from its edge, where AC_Avoid would hold the vehicle.
  Without an operating area the default is the convex hull of the launch point
  and the route, buffered by 50 m: the route with a margin, nothing more.
- ``no_fly`` / ``airport``: no waypoint inside and no segment crossing a no-fly zone
  or an airport clearance area: segments are tested as lines, so a leg whose two
  ends are outside but which cuts through a zone is caught.
- ``restricted_without_approval``: restricted zones only with a flight approval
  reference (with one, each crossing is listed as a notice).
- ``line_of_sight``: every waypoint at most ``DRONE_MAX_DISTANCE_M`` (500 m) from
  the launch point, horizontally. Along a straight segment the distance from a
  fixed point is convex, so its largest value is at one of the segment's ends:
  checking the waypoints checks the segments too.
- ``crowd_too_low``: over a crowd area (a crowd zone, a market in session) at least
  its minimum height, along segments too (the height is interpolated where a
  segment enters and leaves the area); a launch point inside one is refused,
  since take-off and landing pass low over it.
- ``endurance``: the estimated flight time leaves at least
  ``DRONE_BATTERY_RESERVE_PCT`` (25 %) of the drone's endurance.
- ``fence``: the operating area and the exclusions can be uploaded as a fence.

The estimate is ``drones.missions.flighttime``'s model of ArduCopter 4.7's waypoint
navigation, calibrated on SITL (the SITL recordings, shared/ardupilot/README.md §6): jerk-limited
acceleration and braking on every leg (WPNAV_ACCEL, WPNAV_JERK), corners that keep
the speed on a straight continuation and stop on a reversal, climbs (WPNAV_SPEED_UP)
and descents (WPNAV_SPEED_DN) at the same time as the horizontal motion, holds as
given, and the return to launch (RTL_ALT, RTL_LOIT_TIME, LAND_ALT_LOW, LAND_SPEED)
to the disarm. The loudspeaker time is reported but adds no time: it plays while flying.

Geometry is computed in the UTM zone of the launch point (``drones.missions.frame``).
For many zones (``AirspaceIndex``) the zones near the mission are found with an
STRtree in WGS-84, only those are projected (one transform call), and the
segments and waypoints are tested against them with a second STRtree.
``check_mission`` and ``drones.missions.planning.mission_check`` take the index from
``drones.airspace.index``: built once per process for every zone in force at some time,
rebuilt when the airspace version moves, and narrowed to the mission's time at each check.

The package, one concept a module: ``limits`` (the limits and the ArduCopter
defaults), ``results`` (violation codes, ``Violation``, ``Estimate``,
``CheckResult``, ``MissionInvalid``), ``zones`` (airspace zones and their spatial
index), ``checker`` (one run: the route in the local frame and its legs),
``ceiling``, ``line_of_sight``, ``terrain`` (heights above the ground), ``area`` (operating area and fence),
``airspace`` (no-fly, airport and restricted zones), ``crowds``, ``estimate``
(flight time, item count, endurance), and ``run`` (``check_route``,
``check_mission``: every check in order).
"""
