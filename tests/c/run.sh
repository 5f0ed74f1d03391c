#!/usr/bin/env bash
# Compiles tests/c/abi_smoke.c against the committed header as C99 and as C++11 (warnings are
# errors), links it to the built native library (scripts/build.sh) and runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
lib_dir=target/release
if ! ls "$lib_dir"/libidle_entraconnect.* >/dev/null 2>&1; then
    echo "tests/c: no native library in $lib_dir; run scripts/build.sh first" >&2
    exit 1
fi
cc=${CC:-cc}
cxx=${CXX:-c++}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-Wall -Wextra -Werror -pedantic -Iinclude)
"$cxx" -x c++ -std=c++11 "${flags[@]}" -fsyntax-only tests/c/abi_smoke.c
"$cc" -std=c99 "${flags[@]}" tests/c/abi_smoke.c -L"$lib_dir" -lidle_entraconnect -o "$out/abi_smoke"
LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    DYLD_LIBRARY_PATH="$lib_dir${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}" "$out/abi_smoke"
