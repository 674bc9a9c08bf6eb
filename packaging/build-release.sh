#!/usr/bin/env bash
# Builds the three packaged programs once, optimised, with the Swift runtime linked in
# (--static-swift-stdlib), and checks that they need nothing but distribution libraries.
# Re-running is cheap: swift build only rebuilds what changed. Prints the binary directory on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=(ossfs ossfs-passwd mount.ossfs)
# No $ORIGIN run path (the programs load no library of their own; Debian forbids custom search paths),
# and full RELRO (-z now) as Debian's hardening flags give C programs.
FLAGS=(-c release --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now)
for product in "${PRODUCTS[@]}"; do
    swift build "${FLAGS[@]}" --product "$product" >&2
done
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)

# Direct dependencies (DT_NEEDED) are what the packages must declare; ldd would also list libcurl's own
# dependencies, which its package brings. Anything from the Swift toolchain here would make the package
# unusable without a toolchain installed.
ALLOWED='^(libfuse3\.so\.3|libcurl\.so\.4|libssl\.so\.3|libcrypto\.so\.3|libxml2\.so\.2|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libutil\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$'
status=0
for product in "${PRODUCTS[@]}"; do
    needed=$(objdump -p "$BIN/$product" | awk '$1 == "NEEDED" { print $2 }')
    bad=$(grep -Ev "$ALLOWED" <<<"$needed" || true)
    if [ -n "$bad" ]; then
        echo "build-release: $product needs libraries no distribution package provides: $bad" >&2
        status=1
    fi
    if ldd "$BIN/$product" | grep -q 'not found'; then
        echo "build-release: $product has unresolved libraries:" >&2
        ldd "$BIN/$product" | grep 'not found' >&2
        status=1
    fi
    if objdump -p "$BIN/$product" | grep -Eq '^ *(RPATH|RUNPATH) '; then
        echo "build-release: $product has a run path: $(objdump -p "$BIN/$product" | grep -E 'RPATH|RUNPATH')" >&2
        status=1
    fi
    echo "build-release: $product needs $(tr '\n' ' ' <<<"$needed")" >&2
done
[ "$status" -eq 0 ] || exit 1
echo "$BIN"
