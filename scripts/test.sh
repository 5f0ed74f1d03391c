#!/usr/bin/env bash
# Runs every test: the Rust suite (unit, C-caller and property tests), a C program built on the
# committed header, then the PowerShell suites in the real PowerShell 7.6 engine hosted by xunit,
# against the BUILT modules in out/modules. Ends with one line, "total: N passed, M failed",
# counting every test of every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packaging builds everything first (scripts/build.sh), then the Gallery packages the install
# test unpacks.
bash scripts/package.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "[test] Rust"
cargo test --quiet --features fault-injection 2>&1 | tee -a "$log"

echo "[test] C caller against the committed header"
bash tests/c/run.sh 2>&1 | tee -a "$log"

echo "[test] PowerShell suites"
for project in tests/IdLE.EntraConnect.Engine.Tests sim/IdLE.EntraConnect.Simulator.Tests; do
    dotnet test "$project" --nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"
done

# Every suite's own summary, added up: cargo's "test result: ok. N passed; M failed", the C
# program's "N passed, M failed", and dotnet's "Failed: M, Passed: N". (pipefail has already
# stopped the run on any failing suite.)
awk '
    /^test result:/               { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
    /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
    /Failed: +[0-9]+, Passed: +[0-9]+/ { match($0, /Failed: +[0-9]+/); f += substr($0, RSTART + 7, RLENGTH - 7) + 0
                                      match($0, /Passed: +[0-9]+/); p += substr($0, RSTART + 7, RLENGTH - 7) + 0 }
    END { printf "total: %d passed, %d failed\n", p, f; exit (f > 0) }
' "$log"
