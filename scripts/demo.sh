#!/usr/bin/env bash
# The README's main command: builds what is needed, starts a fresh simulated Entra Connect
# server and runs the step through the provider and the native core. Runs in pwsh when it is
# installed, in the repository's console host on the PowerShell engine otherwise.
# Usage: scripts/demo.sh [All|Wait|StartLag|Busy]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-All}"
bash scripts/build.sh
if command -v pwsh >/dev/null 2>&1; then
    exec pwsh -NoProfile -File demo/demo.ps1 -Scenario "$scenario"
fi
exec dotnet out/host/IdLE.ConsoleHost.dll demo/demo.ps1 -- -Scenario "$scenario"
