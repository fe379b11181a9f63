#!/usr/bin/env bash
# Copies the Kestrel team handbook (15 Markdown pages written for this eval set, bench/eval/team-handbook/:
# a made-up company's internal docs on onboarding, IT, VPN, on-call, deploys, expenses, leave, office,
# security, benefits, rituals, helpdesk, data retention and incidents) into DEST/pages and prints that
# folder; the eval set's "sources" are relative to it. Licence: the project's own. Copied afresh on each
# run (it is small), through a partial folder, so DEST never holds half a copy.
# Usage: fetch-team-handbook.sh [DEST]   (default: .corpus/team-handbook)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=${1:-.corpus/team-handbook}
pages="$dest/pages"
ls "$here"/team-handbook/*.md >/dev/null 2>&1 || { echo "no handbook pages in $here/team-handbook" >&2; exit 1; }
mkdir -p "$dest"
part="$pages.partial"
rm -rf "$part"
mkdir -p "$part"
cp "$here"/team-handbook/*.md "$part/"
rm -rf "$pages"
mv "$part" "$pages"
echo "$pages"
