#Requires -RunAsAdministrator
<#
.SYNOPSIS
Registers the IdLE.EntraConnect JEA endpoint on the Entra Connect server.

.DESCRIPTION
Run on the Entra Connect server, elevated. It:

1. checks the session configuration file (IdLE.EntraConnect.pssc) with
   Test-PSSessionConfigurationFile;
2. creates a module folder (by default IdLE.EntraConnect.Jea under the machine's Windows
   PowerShell module path) with a manifest and a RoleCapabilities subfolder, and copies
   IdLE.EntraConnect.psrc into it, where JEA finds the role capability by its name;
3. registers the endpoint with Register-PSSessionConfiguration -Path <pssc> -Name IdLE.EntraConnect.
   An endpoint of that name that already exists is replaced only with -Force.

Registering restarts the WinRM service, which drops open remoting sessions, including the one
this script runs in if it was started remotely. Supports -WhatIf and -Confirm.

Run it in the PowerShell that should host the endpoint: from Windows PowerShell 5.1 the
endpoint runs Windows PowerShell, where the ADSync module is supported.

.PARAMETER Name
The endpoint name; clients pass it as -ConfigurationName. 'IdLE.EntraConnect' by default.

.PARAMETER ModulePath
The module folder that receives RoleCapabilities\IdLE.EntraConnect.psrc.

.PARAMETER SessionConfigurationPath
The .pssc to register; IdLE.EntraConnect.pssc beside this script by default.

.PARAMETER RoleCapabilityPath
The .psrc to install; IdLE.EntraConnect.psrc beside this script by default.

.PARAMETER Force
Replace an existing endpoint of the same name and an existing role capability file.

.EXAMPLE
.\Register-IdleEntraConnectJeaEndpoint.ps1 -WhatIf

Shows what would be created and registered.

.EXAMPLE
.\Register-IdleEntraConnectJeaEndpoint.ps1 -Force

Installs the role capability and (re-)registers the endpoint.

.NOTES
Clients reach the endpoint in either of two ways:

- the host connects: New-EntraConnectJeaAuthSession -ComputerName sync01.contoso.com
  -ConfigurationName IdLE.EntraConnect (examples/sessions), returned by the AuthSessionBroker;
- the provider connects (IdLE's next contract: With.ComputerName and a PSCredential from the
  broker): New-IdleEntraConnectDirectorySyncProvider -RemoteSessionOptions
  @{ ConfigurationName = 'IdLE.EntraConnect'; UseSSL = $true }. With a ConfigurationName the
  provider sends each ADSync command as a plain command, which this NoLanguage endpoint runs.
#>
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [Parameter()]
    [ValidateNotNullOrEmpty()]
    [string] $Name = 'IdLE.EntraConnect',

    [Parameter()]
    [ValidateNotNullOrEmpty()]
    [string] $ModulePath = (Join-Path -Path $env:ProgramFiles -ChildPath 'WindowsPowerShell\Modules\IdLE.EntraConnect.Jea'),

    [Parameter()]
    [ValidateNotNullOrEmpty()]
    [string] $SessionConfigurationPath = (Join-Path -Path $PSScriptRoot -ChildPath 'IdLE.EntraConnect.pssc'),

    [Parameter()]
    [ValidateNotNullOrEmpty()]
    [string] $RoleCapabilityPath = (Join-Path -Path $PSScriptRoot -ChildPath 'IdLE.EntraConnect.psrc'),

    [Parameter()]
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if (-not (Test-PSSessionConfigurationFile -Path $SessionConfigurationPath)) {
    throw "The session configuration file '$SessionConfigurationPath' is not valid (Test-PSSessionConfigurationFile -Verbose shows why)."
}

# The role capability's name is its file name without extension: it must match RoleCapabilities
# in the .pssc's RoleDefinitions.
$roleName = [System.IO.Path]::GetFileNameWithoutExtension($RoleCapabilityPath)
$roleFolder = Join-Path -Path $ModulePath -ChildPath 'RoleCapabilities'
$roleTarget = Join-Path -Path $roleFolder -ChildPath ($roleName + '.psrc')
$manifest = Join-Path -Path $ModulePath -ChildPath ((Split-Path -Path $ModulePath -Leaf) + '.psd1')

if (-not (Test-Path -LiteralPath $roleFolder)) {
    if ($PSCmdlet.ShouldProcess($roleFolder, 'Create the role capability folder')) {
        $null = New-Item -ItemType Directory -Path $roleFolder -Force
    }
}

if (-not (Test-Path -LiteralPath $manifest)) {
    if ($PSCmdlet.ShouldProcess($manifest, 'Create the module manifest')) {
        New-ModuleManifest -Path $manifest -Description 'Role capabilities for the IdLE.EntraConnect JEA endpoint.'
    }
}

if ((Test-Path -LiteralPath $roleTarget) -and -not $Force) {
    throw "The role capability '$roleTarget' exists; use -Force to replace it."
}
if ($PSCmdlet.ShouldProcess($roleTarget, "Install role capability '$roleName'")) {
    Copy-Item -LiteralPath $RoleCapabilityPath -Destination $roleTarget -Force
}

$existing = Get-PSSessionConfiguration -Name $Name -ErrorAction SilentlyContinue
if ($null -ne $existing) {
    if (-not $Force) {
        throw "A session configuration named '$Name' exists; use -Force to replace it."
    }
    if ($PSCmdlet.ShouldProcess($Name, 'Unregister the existing session configuration (restarts WinRM)')) {
        Unregister-PSSessionConfiguration -Name $Name -Force
    }
}

if ($PSCmdlet.ShouldProcess($Name, "Register the JEA endpoint from '$SessionConfigurationPath' (restarts WinRM)")) {
    Register-PSSessionConfiguration -Name $Name -Path $SessionConfigurationPath -Force
}
