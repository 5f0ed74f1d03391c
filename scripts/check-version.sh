#!/usr/bin/env bash
# Fails unless every place that states the product version agrees with VERSION:
#   Cargo.toml [package] version, both module manifests' ModuleVersion, the step manifest's
#   RequiredModules ModuleVersion for the provider module, and the interop csproj's default
#   Version. Prints each disagreement. Usage: scripts/check-version.sh
set -euo pipefail
cd "$(dirname "$0")/.."

provider_psd1=pwsh/IdLE.Provider.EntraConnectSync/IdLE.Provider.EntraConnectSync.psd1
steps_psd1=pwsh/IdLE.Steps.EntraConnectSync/IdLE.Steps.EntraConnectSync.psd1
csproj=pwsh/src/IdLE.EntraConnect.Interop/IdLE.EntraConnect.Interop.csproj

if [ ! -f VERSION ]; then
    echo "check-version: VERSION is missing" >&2
    exit 1
fi
version=$(tr -d ' \t\r\n' <VERSION)
if ! printf '%s' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
    echo "check-version: VERSION holds '$version', which is not a version like 1.2.3 or 1.2.3-beta1" >&2
    exit 1
fi
# A PowerShell ModuleVersion has no prerelease part (that goes to PSData.Prerelease).
module_version=${version%%-*}

problems=0
check() { # check <what> <found> <expected>
    if [ "$2" != "$3" ]; then
        echo "check-version: $1 is '${2:-<not found>}', VERSION wants '$3'" >&2
        problems=$((problems + 1))
    fi
}

# Cargo.toml: the first 'version = "..."' inside [package].
cargo_version=$(awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^[[:space:]]*version[[:space:]]*=/ {
        sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
    }' Cargo.toml)
check "Cargo.toml [package] version" "$cargo_version" "$version"

# ModuleVersion = '...' at the top level of a manifest (the first occurrence).
manifest_version() {
    grep -E "^[[:space:]]*ModuleVersion[[:space:]]*=" "$1" | head -n 1 | sed -E "s/^[^'\"]*['\"]([^'\"]*)['\"].*$/\1/"
}
check "$provider_psd1 ModuleVersion" "$(manifest_version "$provider_psd1")" "$module_version"
check "$steps_psd1 ModuleVersion" "$(manifest_version "$steps_psd1")" "$module_version"

# The step manifest's RequiredModules entry for the provider module: ModuleVersion or RequiredVersion.
required=$(grep -E "ModuleName[[:space:]]*=[[:space:]]*['\"]IdLE\.Provider\.EntraConnectSync['\"]" "$steps_psd1" | head -n 1 || true)
required_version=$(printf '%s' "$required" | sed -nE "s/.*(ModuleVersion|RequiredVersion)[[:space:]]*=[[:space:]]*['\"]([^'\"]*)['\"].*/\2/p")
check "$steps_psd1 RequiredModules (IdLE.Provider.EntraConnectSync) version" "$required_version" "$module_version"

# The csproj's fallback Version (used when the build passes no IdleVersion).
csproj_version=$(sed -nE "s#.*<Version Condition=\"'\\\$\(Version\)' == ''\">([^<]*)</Version>.*#\1#p" "$csproj" | head -n 1)
check "$csproj default Version" "$csproj_version" "$version"

if [ "$problems" -gt 0 ]; then
    echo "check-version: $problems place(s) disagree with VERSION ($version)" >&2
    exit 1
fi
echo "[check-version] every version is $version"
