<#
.SYNOPSIS
Publishes both modules with Publish-PSResource into a local file repository: the PowerShell
Gallery's own packaging (nuspec, tags, dependencies) done by PSResourceGet.

.DESCRIPTION
ModulesRoot holds one folder per module, named as the module (the staged package content,
native libraries included). The provider is published first, then the step pack, whose
RequiredModules names the provider: PSResourceGet resolves that dependency by importing it, so
ModulesRoot is put first on PSModulePath for the run.

The repository is registered under a name of its own and unregistered at the end. Run this in a
pwsh whose user data folder is a scratch one (scripts/package.sh sets XDG_DATA_HOME), so the
registration never touches the user's own PSResourceGet configuration.

What PSResourceGet cannot express, compared with the hand-written nuspec this replaces: an SPDX
license expression (<license type="expression">). Publish-PSResource writes <licenseUrl> from
PSData.LicenseUri, which is what every module on the Gallery carries.

.PARAMETER ModulesRoot
The folder holding IdLE.Provider.EntraConnectSync/ and IdLE.Steps.EntraConnectSync/.

.PARAMETER RepositoryPath
The local file repository (a folder); the .nupkg files land there.

.PARAMETER Version
The product version (VERSION). A prerelease suffix (1.2.3-beta1) becomes PSData.Prerelease of
the staged manifests.

.EXAMPLE
./packaging/Publish-GalleryPackages.ps1 -ModulesRoot out/gallery-work/modules -RepositoryPath out/gallery -Version 0.1.0
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulesRoot,
    [Parameter(Mandatory)] [string] $RepositoryPath,
    [Parameter(Mandatory)] [string] $Version
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ModulesRoot = [System.IO.Path]::GetFullPath($ModulesRoot)
$RepositoryPath = [System.IO.Path]::GetFullPath($RepositoryPath)
$null = New-Item -ItemType Directory -Force -Path $RepositoryPath

$env:PSModulePath = $ModulesRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
$repository = 'IdLE.EntraConnect.Build'
if (Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue) {
    Unregister-PSResourceRepository -Name $repository
}
Register-PSResourceRepository -Name $repository -Uri $RepositoryPath -Trusted
try {
    $prerelease = if ($Version.Contains('-')) { $Version.Substring($Version.IndexOf('-') + 1) } else { $null }
    foreach ($name in 'IdLE.Provider.EntraConnectSync', 'IdLE.Steps.EntraConnectSync') {
        $folder = Join-Path $ModulesRoot $name
        $manifest = Join-Path $folder "$name.psd1"
        if (-not (Test-Path -LiteralPath $manifest)) { throw "Publish: '$manifest' does not exist." }
        $moduleVersion = (Import-PowerShellDataFile -LiteralPath $manifest).ModuleVersion
        if ($Version -ne $moduleVersion -and -not $Version.StartsWith("$moduleVersion-")) {
            throw "Publish: the version '$Version' does not match $name's ModuleVersion '$moduleVersion'."
        }
        if ($prerelease) {
            Update-PSModuleManifest -Path $manifest -Prerelease $prerelease
        }
        # The manifest itself, not the folder: given a folder, PSResourceGet 1.2 may pick another
        # .psd1 of it (the step pack's StepMetadataCatalog.psd1) as the module manifest.
        Publish-PSResource -Path $manifest -Repository $repository -ErrorAction Stop
        "[package] published $name $Version with Publish-PSResource"
    }
}
finally {
    Unregister-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue
}
