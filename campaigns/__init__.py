"""Drone publicity campaigns: broadcast clips and playlists, a season of flights over the county's
markets and dismissal patrols over its schools, scheduled to drones and pilots, flown and counted
against the bureau's reach target (the plan's section 七: 300,000 people this year)."""
