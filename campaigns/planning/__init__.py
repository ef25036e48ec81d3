"""Planning a campaign: its occurrences (when and where a broadcast can reach people) and the schedule
of sorties that fly them."""
