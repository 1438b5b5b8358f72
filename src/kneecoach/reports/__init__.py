"""Everything a person takes away: handout and report PDFs, JSON/CSV and FHIR exports,
a calendar of sessions, and database backups. Reads through the store, never writes a row
except `import_document` (into an empty database) and `restore`."""
