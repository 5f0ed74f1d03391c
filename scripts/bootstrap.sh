#!/usr/bin/env bash
# Installs what building and testing need, from package registries only. Idempotent and quick
# when everything is already there; safe to run on every CI run.
set -euo pipefail

log() { printf '[bootstrap] %s\n' "$*"; }
warn() { printf '[bootstrap] warning: %s\n' "$*" >&2; }

need_cmd() { command -v "$1" >/dev/null 2>&1; }

# apt-get install as root, or through sudo without a password prompt; fails (status 1) otherwise.
apt_install() {
    local as=()
    if [ "$(id -u)" -ne 0 ]; then
        if need_cmd sudo && sudo -n true 2>/dev/null; then as=(sudo -n); else return 1; fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as[@]}" apt-get update -qq && "${as[@]}" apt-get install -y -qq "$@" >/dev/null
}

for tool in cargo rustc dotnet; do
    need_cmd "$tool" || { echo "bootstrap: '$tool' is required and not on PATH" >&2; exit 1; }
done

# Rust crates. Where the default registry is reachable cargo uses it as usual; where it is not (this kind of
# machine), Debian's packaged crates serve as the registry, configured in cargo's *home*
# configuration so every cargo process, including the one cbindgen starts from build.rs, sees it.
debian_crates=(librust-serde-dev librust-serde-derive-dev librust-serde-json-dev librust-thiserror-dev
    librust-cbindgen-dev librust-proptest-dev)
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
cargo_config="$cargo_home/config.toml"

uses_debian_registry() { [ -f "$cargo_config" ] && grep -q 'replace-with = "debian"' "$cargo_config"; }

crates_io_reachable() {
    # cargo itself knows the default registry; no host name is spelled here.
    local probe
    probe=$(mktemp -d)
    CARGO_HOME="$probe" timeout 25 cargo search --limit 1 serde >/dev/null 2>&1
    local rc=$?
    rm -rf "$probe"
    return $rc
}

if uses_debian_registry || { need_cmd apt-get && ! crates_io_reachable; }; then
    missing=()
    for pkg in "${debian_crates[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian crates: ${missing[*]}"
        apt_install "${missing[@]}" || { echo "bootstrap: could not install ${missing[*]} (needs root or sudo)" >&2; exit 1; }
    fi
    if ! uses_debian_registry; then
        log "pointing cargo at Debian's crate registry ($cargo_config)"
        mkdir -p "$cargo_home"
        cat >>"$cargo_config" <<'TOML'

[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
TOML
    fi
fi

# A C and a C++ compiler for tests/c (cargo links with cc already; c++ checks the header's C++
# side), and unzip for scripts/package.sh (which checks the packages it builds).
tools=()
{ need_cmd cc && need_cmd c++; } || tools+=(g++)
need_cmd unzip || tools+=(unzip)
if [ ${#tools[@]} -gt 0 ]; then
    log "installing ${tools[*]}"
    if ! { need_cmd apt-get && apt_install "${tools[@]}"; }; then
        warn "could not install ${tools[*]}; tests/c or packaging will fail"
    fi
fi

# OpenSSH's server and client for the loopback remoting tests (tests/pester/Remoting.Tests.ps1
# starts its own sshd on 127.0.0.1 with pwsh as the 'powershell' subsystem). Those tests report
# as skipped where sshd cannot be had.
if [ ! -x /usr/sbin/sshd ] || ! need_cmd ssh || ! need_cmd ssh-keygen; then
    log "installing openssh-server (loopback remoting tests)"
    { need_cmd apt-get && apt_install openssh-server openssh-client; } ||
        warn "could not install openssh-server; the remoting tests will be skipped"
fi

# clippy and rustfmt ship with the toolchain here; say so clearly where they do not.
cargo clippy --version >/dev/null 2>&1 || warn "cargo clippy is not installed"
cargo fmt --version >/dev/null 2>&1 || warn "cargo fmt is not installed"

# pwsh and Pester, pinned, into .tools/ of the repository (ignored by git). pwsh is the
# 'PowerShell' .NET tool from NuGet; Pester is the Gallery-style NuGet package 'Pester', restored
# by a throw-away project and copied into a module folder that scripts/pwsh.sh puts on
# PSModulePath. Each is skipped when its marker is already there.
pwsh_version=7.6.10
pester_version=5.7.1
tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools"
pwsh_dir="$tools_dir/pwsh/$pwsh_version"
if [ ! -x "$pwsh_dir/pwsh" ]; then
    log "installing pwsh $pwsh_version (the PowerShell .NET tool) into .tools/"
    rm -rf "$pwsh_dir"
    dotnet tool install --tool-path "$pwsh_dir" PowerShell --version "$pwsh_version" >/dev/null ||
        { echo "bootstrap: could not install pwsh $pwsh_version from NuGet" >&2; exit 1; }
fi
pester_dir="$tools_dir/modules/Pester/$pester_version"
if [ ! -f "$pester_dir/Pester.psd1" ]; then
    log "installing Pester $pester_version (NuGet package) into .tools/modules"
    restore=$(mktemp -d)
    cat >"$restore/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$pester_version]" /></ItemGroup>
</Project>
XML
    dotnet restore "$restore/restore.csproj" --packages "$restore/packages" >"$restore/restore.log" 2>&1 ||
        { cat "$restore/restore.log" >&2; echo "bootstrap: could not restore Pester $pester_version" >&2; exit 1; }
    rm -rf "$pester_dir"
    mkdir -p "$pester_dir"
    cp -R "$restore/packages/pester/$pester_version/tools/." "$pester_dir/"
    rm -rf "$restore"
    [ -f "$pester_dir/Pester.psd1" ] || { echo "bootstrap: the Pester package has no tools/Pester.psd1" >&2; exit 1; }
fi

# NuGet packages (the PowerShell engine, reference assemblies, xunit) come with 'dotnet restore',
# which the build runs.
log "ready"
