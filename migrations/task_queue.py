"""procrastinate's own SQL files, applied by Alembic revisions so that the task queue's schema follows its library.

procrastinate ships its schema's history as scripts named `<version>_<n>_<what>.sql` in
procrastinate/sql/migrations/. Each task-queue revision applies the scripts of one range of versions, in
procrastinate's order; replayed from the first they make what procrastinate's schema.sql makes
(tests/db/test_task_queue_schema.py compares the two). A pin bump adds a revision for the new range and moves
APPLIED_THROUGH (docs/ingestion.md, "Upgrading procrastinate").
"""

from importlib import resources
from importlib.abc import Traversable

from alembic import op

from bot.errors import DatabaseError

# The newest script version the revisions apply: procrastinate 3.10.0's newest is 03.04.00.
APPLIED_THROUGH = "03.04.00"


def version_key(version: str) -> tuple[int, ...]:
    """'03.04.00' (a script's prefix) or '3.4.0' -> (3, 4, 0)."""
    return tuple(int(part) for part in version.split("."))


def script_version(script: Traversable) -> tuple[int, ...]:
    return version_key(script.name.split("_", 1)[0])


def installed_scripts() -> list[Traversable]:
    """The installed procrastinate's migration scripts, in the order procrastinate applies them (by name)."""
    folder = resources.files("procrastinate.sql").joinpath("migrations")
    return sorted((script for script in folder.iterdir() if script.name.endswith(".sql")), key=lambda script: script.name)


def migration_scripts(*, after: str | None, through: str) -> list[Traversable]:
    """The scripts of versions after `after` (exclusive; None: from the first) through `through` (inclusive)."""
    low, high = (version_key(after) if after else ()), version_key(through)
    return [script for script in installed_scripts() if low < script_version(script) <= high]


def scripts_not_applied() -> list[str]:
    """Scripts of the installed procrastinate newer than the revisions apply: its queries may rely on them."""
    return [script.name for script in installed_scripts() if script_version(script) > version_key(APPLIED_THROUGH)]


def apply_migrations(*, after: str | None, through: str) -> None:
    scripts = migration_scripts(after=after, through=through)
    if not scripts:
        raise DatabaseError(f"The installed procrastinate has no migration scripts after {after} through {through}.")
    connection = op.get_bind()
    for script in scripts:
        # At the driver, as procrastinate runs them: several statements each, no parameters, % escaped.
        connection.exec_driver_sql(script.read_text(encoding="utf-8").replace("%", "%%"))
