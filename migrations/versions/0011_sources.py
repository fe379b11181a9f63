"""Crawled sites, git repositories and Confluence spaces (issue 22) need no schema change: a source's location
string (`crawl+…`, `git+…`, `confluence://…`) fits `documents.location` and `sync_sources.location`, and what
it keeps to re-sync cheaply (ETag, Last-Modified, page version, commit) fits `documents.metadata`. The
revision stays, empty, so the chain fixed for this round's branches holds.

Revision ID: 0011
Revises: 0010
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
