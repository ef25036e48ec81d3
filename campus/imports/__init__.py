"""Registry imports: schools, gates, stations, jurisdictions, zones, departments, officers, liaisons.

One file of one kind per import, in the formats of ``docs/import-formats.md``.
Every import is a dry run first (``services.import_batch_preview``) that lists
each problem by row and column and what each record would become; applying
(``services.import_batch_apply``) writes all of it in one transaction, or nothing.
"""
