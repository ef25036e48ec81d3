"""The monthly incident analysis: its parameters, figures, reads, page, export and API."""
