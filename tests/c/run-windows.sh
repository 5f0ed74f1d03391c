#!/usr/bin/env bash
# The C program on the committed header (tests/c/abi_smoke.c), compiled for Windows x64 with
# mingw-w64 (C99, warnings are errors), linked straight to the cross-built DLL (so every name it
# calls must be in the DLL's export table) and run under wine64 with the DLL beside it. Prints the
# program's "N passed, M failed" line; fails when the program does.
#
# Headless: no display, no wine debug output, no Mono/Gecko installer prompts. The wine prefix
# (about 700 MB, created once in about 7 s) lives in out/wine-prefix unless WINEPREFIX names one.
# Usage: tests/c/run-windows.sh   (after scripts/build-windows.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

dll=out/native/win-x64/native/idle_entraconnect.dll
[ -f "$dll" ] || { echo "tests/c: $dll is missing; run scripts/build-windows.sh first" >&2; exit 1; }
bash scripts/bootstrap-windows.sh

# wine64 is Debian's 64-bit loader; 'wine' exists only where the wine package (with its 32-bit
# half) is installed.
wine=$(command -v wine64 || true)
[ -n "$wine" ] || wine=/usr/lib/wine/wine64
wineserver=$(command -v wineserver || true)
[ -n "$wineserver" ] || wineserver=/usr/lib/wine/wineserver

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$dll" "$work/"
x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude tests/c/abi_smoke.c \
    -L"$work" -lidle_entraconnect -o "$work/abi_smoke.exe"

export WINEPREFIX=${WINEPREFIX:-$root/out/wine-prefix}
export WINEDEBUG=-all
export WINEDLLOVERRIDES='mscoree,mshtml='
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$WINEPREFIX"
    # wineboot notes on stderr that the 32-bit half is absent; keep that out of the log unless
    # creating the prefix fails.
    "$wine" wineboot --init >"$work/wineboot.log" 2>&1 || { cat "$work/wineboot.log" >&2; exit 1; }
    "$wineserver" -w
fi
status=0
(cd "$work" && "$wine" abi_smoke.exe) || status=$?
"$wineserver" -w
exit "$status"
