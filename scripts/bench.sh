#!/usr/bin/env bash
# Builds the modules (scripts/build.sh) and runs bench/Invoke-Benchmark.ps1 in the bootstrapped
# pwsh (7.6.10), which PRINTS per-call cost, import time and memory growth of the provider module.
# Usage: scripts/bench.sh [-Quick]   (not a test: it never fails on a figure)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec bash scripts/pwsh.sh -File bench/Invoke-Benchmark.ps1 -ModulesPath out/modules "$@"
