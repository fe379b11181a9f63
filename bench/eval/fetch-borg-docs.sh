#!/usr/bin/env bash
# Unpacks BorgBackup 1.2's HTML documentation (Debian package borgbackup-doc, BSD-3-Clause: a Sphinx site
# with the quickstart, FAQ, deployment guides, one page per borg command and the internals) into DEST/html
# and prints that folder; the eval set's "sources" are relative to it (e.g. usage/prune.html).
# Kept: the *.html pages in their folders. Left out: _static/ and _sources/ (theme files and the reST
# sources), search.html (an empty search form) and changes.html (the 300 KB changelog).
# Usage: fetch-borg-docs.sh [DEST]   (default: .corpus/borg-docs)
set -euo pipefail
dest=${1:-.corpus/borg-docs}
html="$dest/html"
if [ ! -d "$html" ]; then
  mkdir -p "$dest"
  dest=$(cd "$dest" && pwd)
  html="$dest/html"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && { apt-get download borgbackup-doc >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download borgbackup-doc >/dev/null; }; })
  dpkg -x "$work"/borgbackup-doc_*.deb "$work/root"
  site="$work/root/usr/share/doc/borgbackup/html"
  part="$html.partial"
  rm -rf "$part"
  mkdir -p "$part"
  (cd "$site" && find . -name '*.html' -not -path './_static/*' -not -path './_sources/*' \
    -not -name search.html -not -name changes.html -exec cp --parents {} "$part/" \;)
  [ -s "$part/usage/prune.html" ] && [ -s "$part/faq.html" ] || { echo "no HTML pages found in borgbackup-doc" >&2; exit 1; }
  mv "$part" "$html"
fi
echo "$html"
