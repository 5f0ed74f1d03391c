#!/usr/bin/env bash
# Builds the PowerShell Gallery packages of both modules the way the Gallery makes them:
# Publish-PSResource (PSResourceGet, inside the bootstrapped pwsh) into a local file repository,
#   out/gallery/IdLE.Provider.EntraConnectSync.<version>.nupkg
#   out/gallery/IdLE.Steps.EntraConnectSync.<version>.nupkg
# out/gallery is that repository: Register-PSResourceRepository -Uri out/gallery, then
# Install-PSResource IdLE.Steps.EntraConnectSync pulls in the provider (tests/pester does so).
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
staged="$work/modules"
gallery="$root/out/gallery"
rm -rf "$work" "$gallery"
mkdir -p "$staged" "$gallery"

native_name() { # the library's file name for a RID
    case "$1" in
        win-*) echo idle_entraconnect.dll ;;
        osx-*) echo libidle_entraconnect.dylib ;;
        linux-*) echo libidle_entraconnect.so ;;
        *) return 1 ;;
    esac
}
known_rids="win-x64 linux-x64 linux-arm64 osx-x64 osx-arm64"

# The RIDs the provider package must carry, or the run fails (IDLE_EC_REQUIRE_RIDS); the RIDs the
# manifests' tags promise are checked on the finished packages by check_promised_runtimes below.
required_rids() {
    echo "${IDLE_EC_REQUIRE_RIDS:-}"
}

for module in "$provider" "$steps"; do
    [ -f "$modules/$module/$module.psd1" ] || die "$modules/$module is missing; scripts/build.sh did not lay it out"
    content="$staged/$module"
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
        for rid in $(required_rids); do
            lib=$(native_name "$rid") || die "a required RID is unknown: '$rid'"
            [ -f "$content/runtimes/$rid/native/$lib" ] || die "the provider package must carry $rid (IDLE_EC_REQUIRE_RIDS), but runtimes/$rid/native/$lib is missing"
        done
    fi

done

# Publish-PSResource in the bootstrapped pwsh, with a scratch home folder: the repository
# registration (and anything else PSResourceGet keeps per user) stays out of the user's own.
# (The folders must exist: .NET answers an empty path for a missing one, and PSResourceGet would
# then keep its repository store in the current folder.)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/.local/share" "$scratch/.config"
HOME="$scratch" XDG_DATA_HOME="$scratch/.local/share" XDG_CONFIG_HOME="$scratch/.config" bash scripts/pwsh.sh -File packaging/Publish-GalleryPackages.ps1 \
    -ModulesRoot "$staged" -RepositoryPath "$gallery" -Version "$version" ||
    die "Publish-PSResource failed"

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
    expected=$( (cd "$staged/$module" && find . -type f | sed 's#^\./##'; echo "$module.nuspec") | sort)
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
