#!/usr/bin/env bash
# Runs the pwsh that scripts/bootstrap.sh installed (pinned 7.6.10), with the repository's tool
# modules (Pester 5.7.1) on PSModulePath and no profile. Arguments go to pwsh unchanged.
#   bash scripts/pwsh.sh -File tests/pester/Invoke-PesterSuite.ps1
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pwsh="$root/.tools/pwsh/7.6.10/pwsh"
[ -x "$pwsh" ] || bash "$root/scripts/bootstrap.sh" >/dev/null
export PSModulePath="$root/.tools/modules${PSModulePath:+:$PSModulePath}"
export POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off DOTNET_CLI_TELEMETRY_OPTOUT=1
exec "$pwsh" -NoProfile -NonInteractive "$@"
