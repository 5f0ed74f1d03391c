#!/usr/bin/env bash
# Builds the modules (scripts/build.sh) and runs the benchmark, which PRINTS per-call overhead,
# import time and memory growth of the provider module in the real PowerShell 7.6 engine.
# Usage: scripts/bench.sh   (not a test: it never fails on a figure over target)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
dotnet run -c Release --project bench/IdLE.Benchmark -- out/modules
