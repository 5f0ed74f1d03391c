#!/usr/bin/env bash
# Runs every test: the Rust suite (unit, C-caller and property tests), a C program built on the
# committed header, the simulator's own C# tests, then the Pester suite in the bootstrapped pwsh
# (7.6.10, Pester 5.7.1) in a fresh 'pwsh -NoProfile -NonInteractive' against the modules
# INSTALLED from the packages with PSResourceGet (scripts/package.sh publishes them into the
# local repository out/gallery; tests/pester/Invoke-PesterSuite.ps1 installs them by name into a
# fresh scope). Every suite runs even when an earlier one failed. Results: out/test-results/.
# Ends with one line, "N passed, M failed, S skipped", every test of every suite added up, and
# exits non-zero when any test or any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# Packaging builds everything first (scripts/build.sh), then the packages the suite installs.
bash scripts/package.sh || { echo "test: packaging failed" >&2; exit 1; }

results=out/test-results
mkdir -p "$results"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed_suites=()

suite() { # suite <name> <command...>: runs it, its output to the console and the log
    local name=$1
    shift
    echo "[test] $name"
    "$@" 2>&1 | tee -a "$log"
    local status=${PIPESTATUS[0]}
    [ "$status" -eq 0 ] || failed_suites+=("$name (exit $status)")
}

suite "Rust" cargo test --quiet --features fault-injection
suite "C caller against the committed header" bash tests/c/run.sh
suite "simulator (C#)" dotnet test sim/IdLE.EntraConnect.Simulator.Tests --nologo -v quiet \
    --logger "console;verbosity=minimal" --results-directory "$results" --logger "trx;LogFileName=simulator.trx"
suite "Pester (pwsh 7.6.10, Pester 5.7.1, installed packages)" \
    bash scripts/pwsh.sh -File tests/pester/Invoke-PesterSuite.ps1 -OutputFormat JUnitXml \
    -OutputPath "$results/pester.junit.xml"

# Every suite's own summary, added up: cargo's "test result: ok. N passed; M failed; K ignored",
# the C program's "N passed, M failed", dotnet's "Failed: M, Passed: N, Skipped: K" and
# Pester's "Pester: N passed, M failed, K skipped".
summary=$(awk '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1); if ($i ~ /^ignored;?$/) s += $(i-1) } }
    /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
    /Failed: +[0-9]+, Passed: +[0-9]+/ {
        match($0, /Failed: +[0-9]+/); f += substr($0, RSTART + 7, RLENGTH - 7) + 0
        match($0, /Passed: +[0-9]+/); p += substr($0, RSTART + 7, RLENGTH - 7) + 0
        if (match($0, /Skipped: +[0-9]+/)) s += substr($0, RSTART + 8, RLENGTH - 8) + 0 }
    /^Pester: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped/ { p += $2; f += $4; s += $6 }
    END { printf "%d %d %d\n", p, f, s }
' "$log")
read -r passed failed skipped <<<"$summary"
if [ ${#failed_suites[@]} -gt 0 ]; then
    printf 'test: suite failed: %s\n' "${failed_suites[@]}" >&2
    # A suite that died before reporting its tests still counts as a failure.
    [ "$failed" -gt 0 ] || failed=${#failed_suites[@]}
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
