#!/usr/bin/env bash
# Builds the native core and the compiled layers, and lays out the modules as they ship:
#   out/modules/<Module>/<Module>.psd1, .psm1, IdLE.EntraConnect.Interop.dll,
#   runtimes/<rid>/native/<native library>
# plus the simulator module. Usage: scripts/build.sh [--debug]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

profile=release
config=Release
if [ "${1:-}" = "--debug" ]; then profile=debug; config=Debug; fi

# Progress lines go to stdout (dropped here); warnings and errors go to stderr and stay visible.
bash scripts/bootstrap.sh >/dev/null

# Runs a build step quietly; on failure prints what it said (MSBuild writes its errors to stdout).
quietly() {
    local log
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "build: failed: $*" >&2
        exit 1
    fi
    rm -f "$log"
}

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64; lib=libidle_entraconnect.so ;;
    Linux-aarch64 | Linux-arm64) rid=linux-arm64; lib=libidle_entraconnect.so ;;
    Darwin-x86_64) rid=osx-x64; lib=libidle_entraconnect.dylib ;;
    Darwin-arm64) rid=osx-arm64; lib=libidle_entraconnect.dylib ;;
    MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) rid=win-x64; lib=idle_entraconnect.dll ;;
    *) echo "build: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

echo "[build] native core ($profile, $rid)"
if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi

echo "[build] interop and simulator ($config)"
quietly dotnet build pwsh/src/IdLE.EntraConnect.Interop -c "$config" --nologo -v quiet -o out/obj/interop \
    -p:IdleVersion="$(tr -d ' \r\n' < VERSION)"
if [ -d sim/IdLE.EntraConnect.Simulator ]; then
    quietly dotnet build sim/IdLE.EntraConnect.Simulator -c "$config" --nologo -v quiet -o out/obj/simulator
fi

modules="$root/out/modules"
rm -rf "$modules"
mkdir -p "$modules"

# The provider module carries the interop assembly and the native core; the step pack requires
# the provider module and uses them from there, so one copy is loaded per process.
provider="$modules/IdLE.Provider.EntraConnectSync"
mkdir -p "$provider/runtimes/$rid/native"
cp pwsh/IdLE.Provider.EntraConnectSync/*.ps[dm]1 "$provider/"
cp out/obj/interop/IdLE.EntraConnect.Interop.dll "$provider/"
cp "target/$profile/$lib" "$provider/runtimes/$rid/native/$lib"

# The Windows x64 library too, cross-built on Linux x86_64 with Debian's packages
# (scripts/build-windows.sh, always a release build). IDLE_EC_BUILD_WINDOWS: 1 installs those
# packages when missing (scripts/package.sh asks for this: the manifests' tags promise Windows);
# auto (the default, e.g. for the demo) builds it only when they are already installed; 0 skips it.
windows=${IDLE_EC_BUILD_WINDOWS:-auto}
if [ "$rid" != win-x64 ] && [ "$windows" != 0 ]; then
    if { [ "$windows" = auto ] && [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] && bash scripts/bootstrap-windows.sh --check; } ||
        { [ "$windows" != auto ] && bash scripts/build-windows.sh --possible; }; then
        echo "[build] native core (release, win-x64, cross-built)"
        bash scripts/build-windows.sh >/dev/null
        mkdir -p "$provider/runtimes/win-x64/native"
        cp out/native/win-x64/native/idle_entraconnect.dll "$provider/runtimes/win-x64/native/"
    elif [ "$windows" != auto ]; then
        echo "build: warning: cannot cross-build win-x64 here (needs Linux x86_64 with Debian's mingw-w64 and rustc)" >&2
    fi
fi

if [ -d pwsh/IdLE.Steps.EntraConnectSync ]; then
    mkdir -p "$modules/IdLE.Steps.EntraConnectSync"
    cp pwsh/IdLE.Steps.EntraConnectSync/*.ps[dm]1 "$modules/IdLE.Steps.EntraConnectSync/"
fi

if [ -d out/obj/simulator ]; then
    mkdir -p "$modules/IdLE.EntraConnect.Simulator"
    cp out/obj/simulator/IdLE.EntraConnect.Simulator.dll out/obj/simulator/IdLE.EntraConnect.Simulator.psd1 \
        "$modules/IdLE.EntraConnect.Simulator/"
fi

echo "[build] modules in out/modules ($(ls "$modules" | tr '\n' ' '))"
