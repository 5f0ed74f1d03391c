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
echo "[check-header] include/idle_entraconnect.h is up to date"
