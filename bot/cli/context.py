"""What every command shares: settings read once, and the database opened on first use."""

from dataclasses import dataclass, field

import typer

from bot.db.engine import Database, connect
from bot.db.migrate import upgrade
from bot.settings import Settings


@dataclass
class CliContext:
    settings: Settings
    _database: Database | None = field(default=None, repr=False)

    def database(self, *, migrate: bool = True) -> Database:
        """The database, migrated to head first: every command works on a fresh machine."""
        if self._database is None:
            self._database = connect(self.settings)
            if migrate:

                upgrade(self._database)
        return self._database


def cli_context(ctx: typer.Context) -> CliContext:
    return ctx.find_root().obj
