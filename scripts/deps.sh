#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that building ossfs and running its tests and demo need, only when
# something is missing (checked with dpkg -s). Sourced by scripts/test.sh and scripts/demo.sh; also runs alone.
# Needs root or sudo.
ossfs_install_system_packages() {
    local sudo="" p
    local packages=(libfuse3-dev fuse3 libcurl4-openssl-dev libssl-dev libxml2-dev pkg-config python3-venv
                    attr rsync fio groff-base curl nginx-light openssl passwd media-types)
    local missing=()
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    for p in "${packages[@]}"; do
        dpkg -s "$p" 2>/dev/null | grep -qx 'Status: install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "all installed: ${packages[*]}"
        return 0
    fi
    echo "installing: ${missing[*]}"
    $sudo apt-get update -q || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    ossfs_install_system_packages
fi
