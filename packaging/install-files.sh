#!/usr/bin/env bash
# Installs the programs and man pages under DESTDIR, the part of the layout the .deb and the .rpm share:
#   usr/bin/ossfs, usr/bin/ossfs-passwd, SBINDIR/mount.ossfs, SBINDIR/mount.fuse.ossfs -> mount.ossfs,
#   usr/share/man/man1/{ossfs,ossfs-passwd}.1.gz, usr/share/man/man8/mount.ossfs.8.gz and
#   mount.fuse.ossfs.8.gz -> mount.ossfs.8.gz.
# SBINDIR is /sbin for the .deb (where mount(8) looks on every Debian/Ubuntu, merged /usr or not) and
# /usr/sbin for the .rpm (RPM distributions are merged-/usr and ship nothing in /sbin).
# Usage: install-files.sh DESTDIR BINDIR SBINDIR VERSION   (BINDIR: where swift build put the programs)
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 DESTDIR BINDIR SBINDIR VERSION" >&2; exit 2; }
DEST=$1 BIN=$2 SBIN=$3 VERSION=$4
SRC=$(cd "$(dirname "$0")/.." && pwd)

# The same stripping dh_strip does: symbols and .comment go, build ids stay.
install_program() {
    install -D -m 0755 "$1" "$2"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2"
}
install_program "$BIN/ossfs" "$DEST/usr/bin/ossfs"
install_program "$BIN/ossfs-passwd" "$DEST/usr/bin/ossfs-passwd"
install_program "$BIN/mount.ossfs" "$DEST$SBIN/mount.ossfs"
# mount -t fuse.ossfs looks for mount.fuse.ossfs first; mount.ossfs answers to both names.
ln -sf mount.ossfs "$DEST$SBIN/mount.fuse.ossfs"

# Man pages carry the package's version in their .TH footer; gzip -n keeps the package reproducible.
install_man() {
    local page=$1 section=$2
    install -d -m 0755 "$DEST/usr/share/man/man$section"
    sed "1s/\"ossfs [^\"]*\"/\"ossfs $VERSION\"/" "$SRC/man/$page" \
        | gzip -9n > "$DEST/usr/share/man/man$section/$page.gz"
    chmod 0644 "$DEST/usr/share/man/man$section/$page.gz"
}
install_man ossfs.1 1
install_man ossfs-passwd.1 1
install_man mount.ossfs.8 8
ln -sf mount.ossfs.8.gz "$DEST/usr/share/man/man8/mount.fuse.ossfs.8.gz"
