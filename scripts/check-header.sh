#!/usr/bin/env bash
# Fails when include/idle_entraconnect.h is not what cbindgen generates from the current source.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
# A separate target dir forces build.rs to run, writing the header to the temporary path.
IDLE_EC_HEADER_OUT="$fresh/idle_entraconnect.h" CARGO_TARGET_DIR="target/header-check" cargo build --quiet --lib
if ! diff -u include/idle_entraconnect.h "$fresh/idle_entraconnect.h"; then
    echo "check-header: include/idle_entraconnect.h is stale; run 'cargo build' and commit the header." >&2
    exit 1
fi
# One prefix for every name the header defines (rustls-ffi style): a C caller's namespace gets
# nothing else. Names: macros, typedefs, struct closers, enum values and function declarations.
names=$(sed -nE \
    -e 's/^#define ([A-Za-z_][A-Za-z0-9_]*).*/\1/p' \
    -e 's/^typedef [^(]*\(\*([A-Za-z_][A-Za-z0-9_]*)\).*/\1/p' \
    -e 's/^typedef [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*);$/\1/p' \
    -e 's/^\} ([A-Za-z_][A-Za-z0-9_]*);$/\1/p' \
    -e 's/^  ([A-Z][A-Z0-9_]*) = [0-9]+,$/\1/p' \
    -e 's/^[a-z].*[ *]([a-z_][a-z0-9_]*)\(.*/\1/p' \
    include/idle_entraconnect.h)
stray=$(printf '%s\n' "$names" | grep -vE '^(idle_ec_|IDLE_EC_|IDLE_ENTRACONNECT_H$)' || true)
if [ -n "$stray" ]; then
    echo "check-header: names without the idle_ec_/IDLE_EC_ prefix in the header:" >&2
    printf '  %s\n' $stray >&2
    exit 1
fi
echo "[check-header] include/idle_entraconnect.h is up to date; $(printf '%s\n' "$names" | wc -l) names, all prefixed"
