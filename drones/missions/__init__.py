"""Drone missions: routes and their MAVLink items, generators, airspace checks, execution, flight logs.

- ``route``: the editable route (waypoints) and its validation.
- ``compile``: route -> MAVLink mission items (takeoff, speed, waypoints, holds, loudspeaker relay, RTL).
- ``generators``: school patrol loops, market corridor sweeps, point broadcasts.
- ``interop``: QGroundControl ``.plan`` and MAVLink waypoint text (WPL 110) import/export.
- ``checks``: the legal and feasibility checks (ceiling, operating area, airspace, line of sight,
  crowd height, endurance), and the fence/rally items the autopilot enforces on board.
- ``markets``: when a market is in session (lunar-day and weekday schedules).
- ``preflight`` / ``execution``: the checklist before arming, and flying a mission.
- ``flightlog``: statistics, replay and exports (GeoJSON, GPX, KML, CSV) of a flight.
"""
