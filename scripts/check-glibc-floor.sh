#!/usr/bin/env bash
# Checks the glibc floor the README promises ("glibc X.Y or later") against what a Linux build of
# the native core really needs: the newest GLIBC_ version among the library's versioned dynamic
# symbols (objdump -T, or readelf --dyn-syms where binutils' objdump is absent). Fails when the
# library needs a newer glibc than the README states, or when the README states none.
#
# Usage: scripts/check-glibc-floor.sh [library ...]
#   default: every runtimes/linux-*/native/libidle_entraconnect.so laid out by scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

floor=$(grep -o -E 'glibc [0-9]+\.[0-9]+ or later' README.md | head -n 1 | awk '{ print $2 }')
[ -n "$floor" ] || { echo "check-glibc-floor: README.md states no 'glibc X.Y or later'" >&2; exit 1; }

libraries=("$@")
if [ ${#libraries[@]} -eq 0 ]; then
    shopt -s nullglob
    libraries=(out/modules/IdLE.Provider.EntraConnectSync/runtimes/linux-*/native/libidle_entraconnect.so)
    shopt -u nullglob
    [ ${#libraries[@]} -gt 0 ] || { echo "check-glibc-floor: no Linux library in out/modules; run scripts/build.sh first" >&2; exit 1; }
fi

versioned_symbols() {
    if command -v objdump >/dev/null 2>&1; then objdump -T "$1"; else readelf --wide --dyn-syms "$1"; fi
}

status=0
for lib in "${libraries[@]}"; do
    [ -f "$lib" ] || { echo "check-glibc-floor: $lib does not exist" >&2; status=1; continue; }
    symbols=$(versioned_symbols "$lib")
    needed=$(printf '%s\n' "$symbols" | grep -o -E 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/^GLIBC_//' | sort -V -u | tail -n 1)
    if [ -z "$needed" ]; then
        echo "check-glibc-floor: $lib has no GLIBC_ versioned symbols; is it a glibc build?" >&2
        status=1
        continue
    fi
    # The symbols that set the floor, so a failure says what to look at.
    at_floor=$(printf '%s\n' "$symbols" | grep -E "GLIBC_${needed//./\\.}([^.0-9]|$)" | awk '{ print $NF }' | sort -u | tr '\n' ' ' | sed 's/ $//')
    if [ "$(printf '%s\n%s\n' "$floor" "$needed" | sort -V | tail -n 1)" != "$floor" ]; then
        echo "check-glibc-floor: $lib needs glibc $needed ($at_floor), but README.md promises glibc $floor or later" >&2
        status=1
    else
        echo "[glibc] $lib needs glibc $needed ($at_floor); README.md promises $floor or later: ok"
    fi
done
exit "$status"
