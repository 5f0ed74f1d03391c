#!/usr/bin/env bash
# Installs what the Windows x64 cross-build and its test need, from Debian's packages:
#   rustc, cargo               Debian's Rust 1.63 (the crate's minimum), beside any rustup toolchain
#   libstd-rust-dev-windows    its standard library for x86_64-pc-windows-gnu
#   gcc-mingw-w64-x86-64       the mingw-w64 C compiler and linker (and objdump, strip)
#   wine64                     runs the C program against the DLL (tests/c/run-windows.sh)
# Idempotent: one dpkg query when everything is there. Fails (status 1) when something is missing
# and cannot be installed (no apt-get, or neither root nor password-less sudo).
# Usage: scripts/bootstrap-windows.sh [--check]   (--check: only say whether all are installed)
set -euo pipefail

packages=(rustc cargo libstd-rust-dev-windows gcc-mingw-w64-x86-64 wine64)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "${1:-}" = --check ] && exit 1

command -v apt-get >/dev/null 2>&1 || {
    echo "bootstrap-windows: needs Debian packages ${missing[*]}, and there is no apt-get" >&2
    exit 1
}
as=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as=(sudo -n); else
        echo "bootstrap-windows: installing ${missing[*]} needs root or password-less sudo" >&2
        exit 1
    fi
fi
echo "[bootstrap-windows] installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No recommends: wine's would pull in the 32-bit loader and desktop integration, which a headless
# 64-bit test does not need.
"${as[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${as[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
