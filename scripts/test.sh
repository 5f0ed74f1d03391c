#!/usr/bin/env bash
# Runs every test: the Rust suite (unit, C-caller and property tests), then the PowerShell suite in
# the real PowerShell 7.6 engine hosted by xunit, against the BUILT modules in out/modules.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packaging builds everything first (scripts/build.sh), then the Gallery packages the install
# test unpacks.
bash scripts/package.sh

echo "[test] Rust"
cargo test --quiet --features fault-injection

echo "[test] C caller against the committed header"
bash tests/c/run.sh

echo "[test] PowerShell engine suite"
for project in tests/IdLE.EntraConnect.Engine.Tests sim/IdLE.EntraConnect.Simulator.Tests; do
    [ -d "$project" ] || continue
    dotnet test "$project" --nologo -v quiet --logger "console;verbosity=minimal"
done
