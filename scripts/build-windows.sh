#!/usr/bin/env bash
# Cross-builds the native core for Windows x64 with Debian's rustc 1.63 (the crate's minimum
# version) and its x86_64-pc-windows-gnu standard library, linked by mingw-w64, into
#   out/native/win-x64/native/idle_entraconnect.dll
# (the <rid>/native/<library> layout of IDLE_EC_NATIVE_ARTIFACTS). The DLL imports only
# Windows's own libraries (KERNEL32, msvcrt, ...): no mingw runtime DLL has to ship beside it.
# The build caches in target/debian-1.63/, apart from the default toolchain's target/.
#
# Usage: scripts/build-windows.sh            install what is missing (scripts/bootstrap-windows.sh), build
#        scripts/build-windows.sh --possible  only answer (status) whether this machine can build it:
#                                             Linux x86_64 with the Debian packages installed or installable
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
out=out/native/win-x64/native
lib=idle_entraconnect.dll
# Debian's toolchain by absolute path: a rustup toolchain earlier on PATH is left alone.
cargo=/usr/bin/cargo
rustc=/usr/bin/rustc

if [ "${1:-}" = --possible ]; then
    [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || exit 1
    bash scripts/bootstrap-windows.sh --check && exit 0
    command -v apt-get >/dev/null 2>&1 || exit 1
    [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
    exit
fi

bash scripts/bootstrap-windows.sh

echo "[build-windows] $target with $("$rustc" --version) and $(x86_64-w64-mingw32-gcc --version | head -n 1)"
CARGO_TARGET_DIR=target/debian-1.63 RUSTC="$rustc" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    "$cargo" build --release --quiet --lib --target "$target"

mkdir -p "$out"
cp "target/debian-1.63/$target/release/$lib" "$out/$lib"

# Refuse a DLL that would need more than Windows itself provides.
imports=$(x86_64-w64-mingw32-objdump -p "$out/$lib" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '\n' ' ' | sed 's/ $//')
for dll in $imports; do
    case "$(printf '%s' "$dll" | tr '[:upper:]' '[:lower:]')" in
        kernel32.dll | advapi32.dll | bcrypt.dll | msvcrt.dll | userenv.dll | ws2_32.dll | ntdll.dll | \
            api-ms-win-*.dll) ;;
        *) echo "build-windows: $out/$lib imports $dll, which Windows does not provide" >&2; exit 1 ;;
    esac
done
echo "[build-windows] $out/$lib ($(wc -c <"$out/$lib") bytes; imports: $imports)"
