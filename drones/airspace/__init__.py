"""Airspace zones and markets: import, pages, API, the map layer and the sample data.

The rules they feed are in ``drones.missions.checks`` (what a mission may do)
and ``drones.missions.markets`` (when a market is in session).

- ``imports``: the ``airspace`` and ``markets`` import kinds of the ``imports`` app.
- ``services`` (writes, audited) and ``selectors`` (reads, the map layer).
- ``views`` / ``api``: ``/drones/airspace/`` and ``/api/drones/airspace/``, ``/api/drones/markets/``.
- ``sample``: the fictitious sample zones and markets.
"""
