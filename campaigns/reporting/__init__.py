"""Flown, counted, reported: measuring flown sorties, reach aggregates, the reach pages, API and report."""
