#!/usr/bin/env bash
# Unpacks Git's HTML manual pages (Debian package git-doc: asciidoc XHTML that starts with an XML
# declaration) into DEST/html and prints that folder; the eval set's "sources" are relative to it.
# Only the *.html pages are kept (the package also ships their asciidoc .txt sources).
# Usage: fetch-git-docs.sh [DEST]   (default: .corpus/git-docs)
set -euo pipefail
dest=${1:-.corpus/git-docs}
html="$dest/html"
if [ ! -d "$html" ]; then
  mkdir -p "$dest"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && { apt-get download git-doc >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download git-doc >/dev/null; }; })
  dpkg -x "$work"/git-doc_*.deb "$work/root"
  part="$html.partial"
  rm -rf "$part"
  mkdir -p "$part"
  cp "$work"/root/usr/share/doc/git-doc/*.html "$part/"
  [ -s "$part/git-rebase.html" ] || { echo "no HTML pages found in git-doc" >&2; exit 1; }
  mv "$part" "$html"
fi
echo "$html"
