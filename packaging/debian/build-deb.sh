#!/usr/bin/env bash
# Builds dist/ossfs_VERSION-REVISION_ARCH.deb from already-built release programs (packaging/build-release.sh).
# Depends is computed by dpkg-shlibdeps from the programs, plus fuse3 (fusermount3, /etc/fuse.conf).
# Usage: build-deb.sh BINDIR OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BINDIR OUTDIR" >&2; exit 2; }
BIN=$(cd "$1" && pwd)
mkdir -p "$2"; OUT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGING=$(dirname "$HERE")
SRC=$(dirname "$PACKAGING")

VERSION=$("$PACKAGING/version.sh")
CHANGELOG="$HERE/changelog"
DEB_VERSION=$(dpkg-parsechangelog -l "$CHANGELOG" -S Version)
case "$DEB_VERSION" in
    "$VERSION"-*) ;;
    *) echo "build-deb: packaging/debian/changelog's latest entry is $DEB_VERSION but the version is $VERSION;" \
            "add an entry for $VERSION-1" >&2; exit 1 ;;
esac
MAINTAINER=$(dpkg-parsechangelog -l "$CHANGELOG" -S Maintainer)
ARCH=$(dpkg --print-architecture)

WORK=$(mktemp -d -t ossfs-deb-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# dpkg-shlibdeps expects the programs staged as debian/PACKAGE of a source tree with a debian/control.
ROOT="$WORK/src/debian/ossfs"
umask 022
"$PACKAGING/install-files.sh" "$ROOT" "$BIN" /sbin "$VERSION"

DOC="$ROOT/usr/share/doc/ossfs"
install -d -m 0755 "$DOC"
install -m 0644 "$HERE/copyright" "$DOC/copyright"
gzip -9n < "$CHANGELOG" > "$DOC/changelog.Debian.gz"
install -m 0644 "$PACKAGING/doc/README" "$DOC/README"
if [ -f "$SRC/README.md" ]; then gzip -9n < "$SRC/README.md" > "$DOC/README.md.gz"; fi
chmod 0644 "$DOC"/*.gz

# dpkg-shlibdeps finds the package root by its DEBIAN directory.
install -d -m 0755 "$ROOT/DEBIAN"
# A minimal debian/control of our own for dpkg-shlibdeps keeps it off the real tree.

printf 'Source: ossfs\n\nPackage: ossfs\nArchitecture: any\n' > "$WORK/src/debian/control"
SHLIBS=$(cd "$WORK/src" && dpkg-shlibdeps -O debian/ossfs/usr/bin/ossfs debian/ossfs/usr/bin/ossfs-passwd \
    debian/ossfs/sbin/mount.ossfs | sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
DEPENDS="$SHLIBS, fuse3"

# Every file and link in the package has the changelog's date, so two builds of the same tree are equal.
EPOCH=$(dpkg-parsechangelog -l "$CHANGELOG" -S Timestamp)
find "$ROOT" -exec touch -h -d "@$EPOCH" {} +

INSTALLED_SIZE=$(du -sk --apparent-size --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s|@VERSION@|$DEB_VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s|@INSTALLED_SIZE@|$INSTALLED_SIZE|" -e "s|@DEPENDS@|$DEPENDS|" "$HERE/control.in" > "$ROOT/DEBIAN/control"
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/control" "$ROOT/DEBIAN/md5sums"

DEB="$OUT/ossfs_${DEB_VERSION}_${ARCH}.deb"
SOURCE_DATE_EPOCH=$EPOCH dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >&2
echo "$DEB"
