"""docbot's Alembic migrations, shipped in the wheel as a package so an installed docbot finds them.

bot/db/migrate.py points Alembic at this package's folder (env.py, alembic.ini, versions/).
"""
