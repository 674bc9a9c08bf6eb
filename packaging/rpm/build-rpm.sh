#!/usr/bin/env bash
# Builds dist/ossfs-VERSION-1.ARCH.rpm on this machine from already-built release programs
# (packaging/build-release.sh), with packaging/rpm/ossfs.spec in its prebuilt mode (no %prep, no %build).
# Usage: build-rpm.sh BINDIR OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BINDIR OUTDIR" >&2; exit 2; }
BIN=$(cd "$1" && pwd)
mkdir -p "$2"; OUT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGING=$(dirname "$HERE")
SRC=$(dirname "$PACKAGING")
SPEC="$HERE/ossfs.spec"

VERSION=$("$PACKAGING/version.sh")
# The newest %changelog entry ends in "- VERSION-RELEASE"; a new version needs a new entry.
LOGGED=$(sed -n '/^%changelog/,$ { s/^\*.* - \([^ -]*\)-[^ ]*$/\1/p }' "$SPEC" | head -n1)
if [ "$LOGGED" != "$VERSION" ]; then
    echo "build-rpm: the newest %changelog entry of $SPEC is for $LOGGED, the version is $VERSION" >&2
    exit 1
fi

# The Packager header names who built the binary package; ours is the maintainer of the changelog.
PACKAGER=$(sed -n '/^%changelog/,$ { s/^\* [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9]* \(.*\) - [^ ]*$/\1/p }' "$SPEC" | head -n1)

WORK=$(mktemp -d -t ossfs-rpm-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/SOURCES"
cp "$SRC/Sources/OSSCore/Version.swift" "$WORK/SOURCES/"
rpmbuild -bb --quiet \
    --define "_topdir $WORK" \
    --define "_sourcedir $WORK/SOURCES" \
    --define "ossfs_prebuilt $BIN" \
    --define "ossfs_tree $SRC" \
    --define "packager $PACKAGER" \
    --define "__brp_compress %{nil}" \
    "$SPEC" >&2
for rpm in "$WORK"/RPMS/*/*.rpm; do
    cp "$rpm" "$OUT/"
    echo "$OUT/$(basename "$rpm")"
done
