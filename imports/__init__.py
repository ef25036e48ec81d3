"""Imports: one file of one kind per import, checked in full before anything is written.

The framework reads CSV, XLSX, GeoJSON, KML and zipped Shapefiles within the
``IMPORT_MAX_*`` limits (``readers``, ``limits``), maps and checks columns
(``columns``), converts datums (``geometry``, ``positions``) and runs a dry
run (``services.import_batch_preview``) that lists each problem by row and
column and what each record would become; applying
(``services.import_batch_apply``) writes all of it in one transaction, or
nothing. The kinds themselves belong to the apps that own their records and
are registered in their ``AppConfig.ready()`` (``registry``). Formats:
``docs/import-formats.md``.
"""
