#!/usr/bin/env bash
# Builds the libFuzzer targets with swiftc directly (not SwiftPM): only the few source files each target
# needs, instrumented with -sanitize=fuzzer,address, into .build/fuzz. A SwiftPM build with -sanitize would
# instrument and rebuild every dependency (SwiftNIO, ...) in another scratch directory, minutes of CPU on
# every CI run; this takes well under a minute. Targets:
#   fuzz-xml      OSSCore's XML.parse, the tree walk, and the XMLWriter/XML.escape round trip
#   fuzz-decoders OSSClient's response decoders (listings, multipart, delete, errors) on arbitrary bodies
#   fuzz-options  ossfs's command-line and -o option parser
# Usage: Fuzz/build.sh [target...]    (prints the path of each binary built)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.build/fuzz
mkdir -p "$OUT"
SAN=(-sanitize=fuzzer,address)
SWIFTC=(swiftc -swift-version 5 -Onone -g "${SAN[@]}" -parse-as-library -module-cache-path "$OUT/module-cache")
CMODS=(-I "$ROOT/Sources/CXML" -Xcc -I/usr/include/libxml2 -I "$OUT/ccrypto" -I "$OUT/ccrc64")
# SwiftPM makes CCrypto's and CCRC64's module maps from their include/ directories; swiftc needs them written out.
mkdir -p "$OUT/ccrypto" "$OUT/ccrc64"
printf 'module CCrypto {\n    header "%s/Sources/CCrypto/include/ossfs_crypto.h"\n    link "crypto"\n    export *\n}\n' "$ROOT" \
    > "$OUT/ccrypto/module.modulemap"
printf 'module CCRC64 {\n    header "%s/Sources/CCRC64/include/ossfs_crc64.h"\n    export *\n}\n' "$ROOT" \
    > "$OUT/ccrc64/module.modulemap"

# A static library module from a list of Swift files: lib$1.a and $1.swiftmodule in $OUT.
module() {
    local name=$1; shift
    (cd "$OUT" && "${SWIFTC[@]}" -emit-library -static -module-name "$name" -emit-module \
        -emit-module-path "$OUT/$name.swiftmodule" -I "$OUT" "${CMODS[@]}" -enable-testing "${@/#/$ROOT/}" -o "$OUT/lib$name.a")
}

# The C shims OSSCore needs, ASan-instrumented.
cshims() {
    [ "$OUT/ccrypto.o" -nt Sources/CCrypto/ossfs_crypto.c ] || \
        clang -c -O1 -fsanitize=address -I Sources/CCrypto/include Sources/CCrypto/ossfs_crypto.c -o "$OUT/ccrypto.o"
    [ "$OUT/ccrc64.o" -nt Sources/CCRC64/ossfs_crc64.c ] || \
        clang -c -O1 -fsanitize=address -I Sources/CCRC64/include Sources/CCRC64/ossfs_crc64.c -o "$OUT/ccrc64.o"
}

objectstore() { module ObjectStore Sources/ObjectStore/*.swift; }
osscore() { cshims; module OSSCore Sources/OSSCore/*.swift; }

link() {
    local target=$1; shift
    "${SWIFTC[@]}" -I "$OUT" "${CMODS[@]}" "Fuzz/$target/main.swift" "$@" -L "$OUT" -lxml2 -lcrypto \
        -Xlinker --no-warn-mismatch -o "$OUT/$target" 2> >(grep -v 'Cannot export local symbol' >&2)
    echo "$OUT/$target"
}

build_xml() {
    osscore
    link fuzz-xml -lOSSCore "$OUT/ccrypto.o" "$OUT/ccrc64.o"
}

build_decoders() {
    objectstore; osscore
    # the decoders and the value types they fill; `@testable import` reaches their internal API
    module OSSClient Sources/OSSClient/Client/ResponseDecoders.swift Sources/OSSClient/Client/ErrorDecoder.swift \
        Sources/OSSClient/Client/ListResults.swift Sources/OSSClient/Client/ResponseHeaders.swift Sources/OSSClient/Client/ObjectHeaderFields.swift Sources/OSSClient/Client/StringTrimming.swift Sources/OSSClient/Logging/Redaction.swift \
        Sources/OSSClient/Transport/HTTPTransport.swift
    link fuzz-decoders -lOSSClient -lOSSCore -lObjectStore "$OUT/ccrypto.o" "$OUT/ccrc64.o"
}

build_options() {
    objectstore; osscore
    module OSSFS Sources/OSSFS/Options/*.swift Sources/OSSFS/Core/FilesystemConfiguration.swift \
        Sources/OSSFS/Maintenance/UploadAge.swift \
        Sources/OSSFS/FUSE/FuseAdapterSettings.swift
    link fuzz-options -lOSSFS -lOSSCore -lObjectStore "$OUT/ccrypto.o" "$OUT/ccrc64.o"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz-xml fuzz-decoders fuzz-options)
for t in "${targets[@]}"; do
    case $t in
        fuzz-xml) build_xml ;;
        fuzz-decoders) build_decoders ;;
        fuzz-options) build_options ;;
        *) echo "unknown target $t" >&2; exit 2 ;;
    esac
done
