<#
.SYNOPSIS
Runs the Pester 5 suite against the modules INSTALLED from the packages with PSResourceGet, in a
fresh pwsh process, and writes a test result file.

.DESCRIPTION
By default the suite installs the packages from <repo>/out/gallery (scripts/package.sh publishes
them there with Publish-PSResource) the way users do: that folder is registered as a
PSResourceGet repository and Install-PSResource IdLE.Steps.EntraConnectSync, in a fresh pwsh and
a fresh scope (a user data folder of its own), pulls in the provider as its dependency. The tests
then run in another fresh 'pwsh -NoProfile -NonInteractive' (the same pwsh executable) in which
that scope is the user's module folder: the modules are imported by name. -ModulesPath uses a
folder of module folders instead (out/modules, say).

Every *.Tests.ps1 under tests/pester, and under tests/integration when that folder exists, runs.
The tests find what they need through environment variables this runner sets:
IDLE_EC_MODULES (the installed module root, first on PSModulePath), IDLE_EC_PACKAGES (the
repository folder), IDLE_EC_SIMULATOR (the simulator module folder, default
<repo>/out/modules/IdLE.EntraConnect.Simulator), IDLE_EC_REPO (the repository root).

Prints 'Pester: N passed, N failed, N skipped' and exits 0 only when nothing failed.

.PARAMETER PackagePath
The folder holding the .nupkg files (a local PSResourceGet repository). Default: <repo>/out/gallery.

.PARAMETER ModulesPath
A folder holding the module folders, used instead of installing the packages.

.PARAMETER SimulatorPath
The simulator module folder.

.PARAMETER OutputFormat
NUnitXml (default) or JUnitXml.

.PARAMETER OutputPath
The result file. Default: <repo>/out/test-results/pester.<format>.xml.

.PARAMETER TestPath
Run only these test files or folders (default: every test file, as above).

.PARAMETER InProcess
Run the tests in this process (used by the fresh process itself).

.EXAMPLE
./tests/pester/Invoke-PesterSuite.ps1 -OutputFormat JUnitXml
#>
[CmdletBinding()]
param(
    [string] $PackagePath,
    [string] $ModulesPath,
    [string] $SimulatorPath,
    [ValidateSet('NUnitXml', 'JUnitXml')]
    [string] $OutputFormat = 'NUnitXml',
    [string] $OutputPath,
    [string[]] $TestPath,
    [switch] $InProcess
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# 'pwsh -File' hands a comma-separated list over as one string.
$TestPath = @($TestPath | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$repoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
if (-not $OutputPath) {
    $OutputPath = [System.IO.Path]::Combine($repoRoot, 'out', 'test-results', "pester.$($OutputFormat.ToLowerInvariant()).xml")
}
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)

. ([System.IO.Path]::Combine($PSScriptRoot, 'TestHelpers.ps1'))

if (-not $InProcess) {
    if (-not $PackagePath) { $PackagePath = [System.IO.Path]::Combine($repoRoot, 'out', 'gallery') }
    if (-not $SimulatorPath) { $SimulatorPath = [System.IO.Path]::Combine($repoRoot, 'out', 'modules', 'IdLE.EntraConnect.Simulator') }
    $PackagePath = [System.IO.Path]::GetFullPath($PackagePath)
    $scratch = $null
    $environment = @{
        IDLE_EC_PACKAGES  = $PackagePath
        IDLE_EC_SIMULATOR = [System.IO.Path]::GetFullPath($SimulatorPath)
        IDLE_EC_REPO      = $repoRoot
    }
    $dataHome = $null
    if ($ModulesPath) {
        $environment['IDLE_EC_MODULES'] = [System.IO.Path]::GetFullPath($ModulesPath)
    }
    else {
        if (-not [System.IO.Directory]::Exists($PackagePath)) {
            throw "No packages at '$PackagePath'. Run scripts/package.sh, or pass -PackagePath or -ModulesPath."
        }
        $scratch = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'idle-ec-pester-' + [guid]::NewGuid().ToString('N'))
        $install = Install-IdleEcFromRepository -PackagePath $PackagePath -ScopeRoot $scratch
        foreach ($item in $install.Installed) { "Installed $($item.Name) $($item.Version) with PSResourceGet into a fresh scope" }
        $environment['IDLE_EC_MODULES'] = $install.ModulesPath
        if (-not $IsWindows) { $dataHome = $install.DataHome }
    }
    try {
        $saved = @{}
        if ($dataHome) {
            # The fresh scope is this process's home: its user module folder is the installed root.
            $environment['HOME'] = $dataHome
            $environment['XDG_DATA_HOME'] = [System.IO.Path]::Combine($dataHome, '.local', 'share')
            $environment['XDG_CONFIG_HOME'] = [System.IO.Path]::Combine($dataHome, '.config')
        }
        foreach ($name in $environment.Keys) {
            $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
            [System.Environment]::SetEnvironmentVariable($name, $environment[$name])
        }
        try {
            $selection = if ($TestPath) { @('-TestPath', (@($TestPath | ForEach-Object { [System.IO.Path]::GetFullPath($_) }) -join ',')) } else { @() }
            & (Get-IdleEcPwshPath) -NoProfile -NonInteractive -File $PSCommandPath -InProcess -OutputFormat $OutputFormat -OutputPath $OutputPath @selection
            $code = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
    finally {
        # The native library may still be loaded (Windows keeps it locked): best effort.
        if ($scratch) { Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction SilentlyContinue }
    }
    exit $code
}

# In the fresh process: run Pester over every test file.
Import-Module -Name Pester -MinimumVersion 5.5.0 -ErrorAction Stop
$null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($OutputPath))

$paths = @($PSScriptRoot)
$integration = [System.IO.Path]::Combine($repoRoot, 'tests', 'integration')
if ([System.IO.Directory]::Exists($integration)) { $paths += $integration }
if ($TestPath) { $paths = $TestPath }

$configuration = New-PesterConfiguration
$configuration.Run.Path = $paths
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = $OutputFormat
$configuration.TestResult.OutputPath = $OutputPath
$configuration.TestResult.TestSuiteName = 'IdLE.EntraConnectSync'

$result = Invoke-Pester -Configuration $configuration
if ($null -eq $result) {
    "Pester: 0 passed, 1 failed, 0 skipped; Invoke-Pester did not run"
    exit 1
}

# (A failed BeforeAll already marks its tests failed; a container that failed in discovery has none.)
$failed = $result.FailedCount
if ($failed -eq 0) { $failed = $result.FailedBlocksCount + $result.FailedContainersCount }
"Pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped; results in $OutputPath"
if ($result.Result -ne 'Passed' -or $failed -gt 0) {
    exit 1
}
exit 0
