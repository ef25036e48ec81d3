"""Reporting an incident: the report form and API, photos kept with it, idempotent submission."""
