"""The school calendar: terms, county overrides of the holiday calendar, school closures and exam days.

``models`` holds the tables (re-exported by ``campus.models``), ``days`` says which day is a school day.
The calendar is campus's: patrol rosters and drills both plan on it.
"""
