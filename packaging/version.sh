#!/bin/sh
# Prints the version from its one home, Sources/OSSCore/Version.swift.
set -eu
FILE="$(dirname "$0")/../Sources/OSSCore/Version.swift"
VERSION=$(sed -n 's/.*static let string = "\([^"]*\)".*/\1/p' "$FILE")
[ -n "$VERSION" ] || { echo "version.sh: no version in $FILE" >&2; exit 1; }
echo "$VERSION"
