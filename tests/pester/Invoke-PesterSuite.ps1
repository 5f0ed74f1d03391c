<#
.SYNOPSIS
Runs the Pester 5 suite against the PACKAGED modules in a fresh pwsh process and writes a test
result file.

.DESCRIPTION
By default the suite installs the Gallery packages from <repo>/out/gallery (scripts/package.sh
makes them) into a temporary folder laid out as Install-PSResource does, and imports them from
there. -ModulesPath uses a folder of module folders instead (an installed root, or out/modules).
The simulator module comes from -SimulatorPath, else <repo>/out/modules/IdLE.EntraConnect.Simulator.

The suite runs in a new 'pwsh -NoProfile' process (the same pwsh executable), so nothing from
the calling session (loaded modules, profile, PSModulePath changes) leaks into it. Exit code 0
when every test passed, 1 otherwise.

Requires Pester 5.5 or later (Install-PSResource Pester).

.PARAMETER PackagePath
The folder holding the .nupkg files. Default: <repo>/out/gallery.

.PARAMETER ModulesPath
A folder holding the module folders, used instead of installing packages.

.PARAMETER SimulatorPath
The simulator module folder.

.PARAMETER OutputFormat
NUnitXml (default) or JUnitXml.

.PARAMETER OutputPath
The result file. Default: <repo>/out/test-results/pester.<format>.xml.

.PARAMETER InProcess
Run in this process (used by the fresh process itself).

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
    [switch] $InProcess
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
if (-not $OutputPath) {
    $OutputPath = [System.IO.Path]::Combine($repoRoot, 'out', 'test-results', "pester.$($OutputFormat.ToLowerInvariant()).xml")
}
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)

if (-not $InProcess) {
    $arguments = @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-InProcess', '-OutputFormat', $OutputFormat, '-OutputPath', $OutputPath)
    if ($PackagePath) { $arguments += @('-PackagePath', [System.IO.Path]::GetFullPath($PackagePath)) }
    if ($ModulesPath) { $arguments += @('-ModulesPath', [System.IO.Path]::GetFullPath($ModulesPath)) }
    if ($SimulatorPath) { $arguments += @('-SimulatorPath', [System.IO.Path]::GetFullPath($SimulatorPath)) }
    $pwsh = [System.Environment]::ProcessPath
    if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
        $pwsh = [System.IO.Path]::Combine($PSHOME, $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
    }
    & $pwsh @arguments
    exit $LASTEXITCODE
}

# In the fresh process: say where the modules are, then run Pester.
if ($ModulesPath) { $env:IDLE_EC_MODULES = $ModulesPath }
if ($PackagePath) { $env:IDLE_EC_PACKAGES = $PackagePath }
if ($SimulatorPath) { $env:IDLE_EC_SIMULATOR = $SimulatorPath }
$env:IDLE_EC_INSTALLED_ROOT = $null

Import-Module -Name Pester -MinimumVersion 5.5.0 -ErrorAction Stop
$null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($OutputPath))

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = $OutputFormat
$configuration.TestResult.OutputPath = $OutputPath
$configuration.TestResult.TestSuiteName = 'IdLE.DirectorySync.EntraConnect'

$result = Invoke-Pester -Configuration $configuration

if ($env:IDLE_EC_INSTALLED_ROOT -and (Test-Path -LiteralPath $env:IDLE_EC_INSTALLED_ROOT)) {
    # The native library may still be loaded (Windows keeps it locked): best effort.
    Remove-Item -LiteralPath $env:IDLE_EC_INSTALLED_ROOT -Recurse -Force -ErrorAction SilentlyContinue
}

"Pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped; results in $OutputPath"
if ($result.Result -ne 'Passed' -or $result.FailedCount -gt 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) {
    exit 1
}
exit 0
