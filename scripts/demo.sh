#!/usr/bin/env bash
# The README's main command: builds what is needed, starts a fresh simulated Entra Connect
# server and runs the step through the provider and the native core, in the pwsh that
# scripts/bootstrap.sh installs (7.6.10, pinned; no profile).
# Usage: scripts/demo.sh [All|Wait|StartLag|Busy]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-All}"
bash scripts/build.sh
exec bash scripts/pwsh.sh -File demo/demo.ps1 -Scenario "$scenario"
