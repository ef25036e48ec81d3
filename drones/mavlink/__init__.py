"""The vehicle link on pymavlink and asyncio: one coroutine-driven link per vehicle, no threads.

``MavlinkVehicle`` implements ``drones.vehicle.Vehicle``; the telemetry bridge
runs one per drone. See ``drones.links.open_vehicle`` for choosing a backend.
"""
