#!/usr/bin/env bash
# Unpacks Network UPS Tools' PDF manuals (Debian package nut-doc, GPL-2+: asciidoc books typeset to PDF)
# into DEST/pdf and prints that folder; the eval set's "sources" are relative to it (e.g. user-manual.pdf).
# Kept: the User Manual (135 pages), the FAQ (21), the cables guide (12), the packager guide (12) and the
# Solaris USB notes (7), 187 pages in all. Left out: the 109-page developer guide and the HTML copies.
# Usage: fetch-nut-docs.sh [DEST]   (default: .corpus/nut-docs)
set -euo pipefail
dest=${1:-.corpus/nut-docs}
pdf="$dest/pdf"
books="user-manual FAQ cables packager-guide solaris-usb"
if [ ! -d "$pdf" ]; then
  mkdir -p "$dest"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && { apt-get download nut-doc >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download nut-doc >/dev/null; }; })
  dpkg -x "$work"/nut-doc_*.deb "$work/root"
  part="$pdf.partial"
  rm -rf "$part"
  mkdir -p "$part"
  for book in $books; do
    [ -s "$work/root/usr/share/doc/nut-doc/pdf/$book.pdf" ] || { echo "no $book.pdf found in nut-doc" >&2; exit 1; }
    cp "$work/root/usr/share/doc/nut-doc/pdf/$book.pdf" "$part/"
  done
  mv "$part" "$pdf"
fi
echo "$pdf"
