#!/usr/bin/env bash
# Builds the PowerShell Gallery packages of both modules:
#   out/gallery/IdLE.Provider.EntraConnectSync.<version>.nupkg
#   out/gallery/IdLE.Steps.EntraConnectSync.<version>.nupkg
# A Gallery package is a NuGet package with the module's files at its root and a nuspec carrying
# the Gallery's tags; 'dotnet pack' of packaging/GalleryPackage.csproj with a generated nuspec
# (packaging/New-GalleryNuspec.ps1) makes it. Needs no network beyond NuGet restore.
#
# Native libraries: the provider package carries runtimes/<rid>/native/<library> for every RID it
# has. This machine builds its own RID (and win-x64 on Linux x86_64); more come from prebuilt libraries laid out as
#   $IDLE_EC_NATIVE_ARTIFACTS/<rid>/native/<library>
# (rid: win-x64, linux-x64, linux-arm64, osx-x64, osx-arm64), which replace a locally built one.
# IDLE_EC_REQUIRE_RIDS="win-x64 linux-x64 ..." fails the run unless each of those RIDs is packed.
#
# Usage: scripts/package.sh          (always a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '[package] %s\n' "$*"; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

command -v unzip >/dev/null 2>&1 || die "'unzip' is required to check the packages"

bash scripts/check-version.sh
version=$(tr -d ' \t\r\n' <VERSION)

# The manifests' tags promise Windows: build the win-x64 library too, installing what that needs.
IDLE_EC_BUILD_WINDOWS=${IDLE_EC_BUILD_WINDOWS:-1} bash scripts/build.sh

provider=IdLE.Provider.EntraConnectSync
steps=IdLE.Steps.EntraConnectSync
modules="$root/out/modules"
work="$root/out/gallery-work"
gallery="$root/out/gallery"
rm -rf "$work" "$gallery"
mkdir -p "$work" "$gallery"

native_name() { # the library's file name for a RID
    case "$1" in
        win-*) echo idle_entraconnect.dll ;;
        osx-*) echo libidle_entraconnect.dylib ;;
        linux-*) echo libidle_entraconnect.so ;;
        *) return 1 ;;
    esac
}
known_rids="win-x64 linux-x64 linux-arm64 osx-x64 osx-arm64"

# Runs a PowerShell script: pwsh where installed, else the repository's console host on the engine.
run_ps() {
    local script=$1
    shift
    if command -v pwsh >/dev/null 2>&1; then
        pwsh -NoProfile -NonInteractive -File "$script" "$@"
    elif [ -f out/host/IdLE.ConsoleHost.dll ]; then
        dotnet out/host/IdLE.ConsoleHost.dll "$script" -- "$@"
    else
        die "neither pwsh nor the console host (out/host, built by scripts/build.sh) is available"
    fi
}

for module in "$provider" "$steps"; do
    [ -f "$modules/$module/$module.psd1" ] || die "$modules/$module is missing; scripts/build.sh did not lay it out"
    content="$work/$module/content"
    mkdir -p "$content"
    cp -R "$modules/$module/." "$content/"

    if [ "$module" = "$provider" ] && [ -n "${IDLE_EC_NATIVE_ARTIFACTS:-}" ]; then
        artifacts=$IDLE_EC_NATIVE_ARTIFACTS
        [ -d "$artifacts" ] || die "IDLE_EC_NATIVE_ARTIFACTS names '$artifacts', which is not a folder"
        for dir in "$artifacts"/*/; do
            [ -d "$dir" ] || continue
            rid=$(basename "$dir")
            case " $known_rids " in
                *" $rid "*) ;;
                *) die "IDLE_EC_NATIVE_ARTIFACTS has a folder '$rid', which is not one of: $known_rids" ;;
            esac
            lib=$(native_name "$rid")
            [ -f "$dir/native/$lib" ] || die "IDLE_EC_NATIVE_ARTIFACTS/$rid/native/$lib is missing"
            if [ -f "$content/runtimes/$rid/native/$lib" ]; then
                log "$rid: the prebuilt library replaces the one built here"
            else
                log "$rid: adding the prebuilt library"
            fi
            mkdir -p "$content/runtimes/$rid/native"
            cp "$dir/native/$lib" "$content/runtimes/$rid/native/$lib"
        done
    fi

    if [ "$module" = "$provider" ]; then
        packed=$(cd "$content/runtimes" && ls -d -- */ 2>/dev/null | tr -d / | tr '\n' ' ')
        log "$provider carries native libraries for: ${packed:-nothing}"
        for rid in ${IDLE_EC_REQUIRE_RIDS:-}; do
            lib=$(native_name "$rid") || die "IDLE_EC_REQUIRE_RIDS names an unknown RID '$rid'"
            [ -f "$content/runtimes/$rid/native/$lib" ] || die "IDLE_EC_REQUIRE_RIDS wants $rid, but runtimes/$rid/native/$lib is missing"
        done
    fi

    nuspec="$work/$module/$module.nuspec"
    run_ps packaging/New-GalleryNuspec.ps1 -ContentRoot "$content" -ModuleName "$module" -Version "$version" -OutputPath "$nuspec"
    cp packaging/GalleryPackage.csproj "$work/$module/$module.Package.csproj"

    log "packing $module $version"
    dotnet pack "$work/$module/$module.Package.csproj" -c Release --nologo -v quiet \
        -o "$gallery" -p:GalleryNuspec="$nuspec" -p:GalleryContent="$content/" >"$work/$module/pack.log" 2>&1 ||
        { cat "$work/$module/pack.log" >&2; die "dotnet pack failed for $module"; }
done

# The platforms a package's tags promise (the Gallery's Windows / Linux / MacOS filters) must be
# runtimes the provider package carries: Windows needs win-x64, Linux linux-x64, MacOS osx-x64
# and osx-arm64. Reads the tags from the package's own nuspec, however it was made. The step pack
# has no library of its own; it runs on the provider's, so its promises are checked against that.
check_promised_runtimes() { # <nupkg whose tags promise> <module> <provider nupkg>
    local tags tag rids rid lib entries rc=0
    tags=$(unzip -p "$1" "$2.nuspec" | tr -d '\r\n' | sed -n 's#.*<tags>\([^<]*\)</tags>.*#\1#p')
    entries=$(unzip -Z1 "$3")
    for tag in $tags; do
        case "$(printf '%s' "$tag" | tr '[:upper:]' '[:lower:]')" in
            windows) rids="win-x64" ;;
            linux) rids="linux-x64" ;;
            macos) rids="osx-x64 osx-arm64" ;;
            *) continue ;;
        esac
        for rid in $rids; do
            lib=$(native_name "$rid")
            if ! printf '%s\n' "$entries" | grep -qx "runtimes/$rid/native/$lib"; then
                echo "package: $(basename "$1") is tagged $tag, but $(basename "$3") has no runtimes/$rid/native/$lib" >&2
                rc=1
            fi
        done
    done
    return $rc
}

# Check each package: the module's files at the root, the nuspec, and only NuGet's own
# packaging artefacts besides ([Content_Types].xml, _rels/, package/); and the runtimes its tags
# promise.
status=0
for module in "$provider" "$steps"; do
    nupkg="$gallery/$module.$version.nupkg"
    [ -f "$nupkg" ] || die "$nupkg was not produced"
    expected=$( (cd "$work/$module/content" && find . -type f | sed 's#^\./##'; echo "$module.nuspec") | sort)
    actual=$(unzip -Z1 "$nupkg" | grep -v -E '^(\[Content_Types\]\.xml|_rels/.*|package/.*)$' | sort)
    if [ "$expected" != "$actual" ]; then
        echo "package: $nupkg does not hold exactly the module's files:" >&2
        diff <(echo "$expected") <(echo "$actual") >&2 || true
        status=1
    fi
    extras=$(unzip -Z1 "$nupkg" | grep -E '^(_rels/|package/)' | grep -v -E '^(_rels/\.rels|package/services/metadata/core-properties/[^/]+\.psmdcp)$' || true)
    if [ -n "$extras" ]; then
        echo "package: $nupkg has unexpected packaging entries: $extras" >&2
        status=1
    fi
    check_promised_runtimes "$nupkg" "$module" "$gallery/$provider.$version.nupkg" || status=1
done
[ "$status" -eq 0 ] || die "package check failed"

for module in "$provider" "$steps"; do
    nupkg="$gallery/$module.$version.nupkg"
    echo
    echo "== $(basename "$nupkg") ($(wc -c <"$nupkg") bytes)"
    unzip -Z1 "$nupkg" | sort | sed 's/^/   /'
    echo "   -- nuspec metadata:"
    unzip -p "$nupkg" "$module.nuspec" | sed -n '/<metadata/,/<\/metadata>/p' | sed 's/^/   /'
done
echo
log "packages in out/gallery"
