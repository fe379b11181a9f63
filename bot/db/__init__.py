"""Storage: SQLAlchemy models, the connection boundary, the embedded server and migrations."""
