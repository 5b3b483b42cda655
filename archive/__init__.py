"""The DSpace archive: database tables (1.5 schema plus the renovated columns), engines for
SQLite and PostgreSQL, and access to the asset store."""
