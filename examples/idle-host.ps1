#Requires -Version 7.4
<#
.SYNOPSIS
Example IdLE host: plans and runs a joiner workflow that triggers an Entra Connect sync cycle.

.DESCRIPTION
Shows the host's side of the Entra Connect directory sync provider:

1. imports IdLE, the provider module and the step pack (not IdLE's own IdLE.Steps.DirectorySync,
   which defines the same step type: one of the two packs per session);
2. builds an AuthSessionBroker whose session 'EntraConnect' is opened on first use over the
   chosen transport (JEA by default, WinRM or SSH);
3. builds the request with New-IdleRequest (IdLE 0.9.5 and later) or New-IdleLifecycleRequest
   (IdLE 0.9.1 to 0.9.4), plans the workflow with
   Providers @{ DirectorySync = <provider>; AuthSessionBroker = <broker> } and runs it;
4. disposes the broker (which removes the PSSession) and the provider, also on failure.

Nothing here logs or stores the credential: it goes from the parameter to New-PSSession.

.PARAMETER ComputerName
The Entra Connect server (WinRM and JEA) or SSH host name.

.PARAMETER Transport
JEA (the IdLE.EntraConnect endpoint, see examples/jea), WinRM or SSH.

.PARAMETER Credential
For JEA and WinRM: the account to connect as; omit it to connect as the current user.

.PARAMETER UserName
For SSH: the account to log on as.

.PARAMETER KeyFilePath
For SSH: the private key file.

.PARAMETER Port
For SSH: the port, if not 22.

.PARAMETER WorkflowPath
The workflow; examples/workflows/joiner-with-sync.psd1 by default.

.EXAMPLE
./idle-host.ps1 -ComputerName sync01.contoso.com -Credential (Get-Credential)

.EXAMPLE
./idle-host.ps1 -ComputerName sync01.contoso.com -Transport SSH -UserName 'CONTOSO\svc-idle-sync' -KeyFilePath ~/.ssh/idle_sync_ed25519
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [ValidateNotNullOrEmpty()]
    [string] $ComputerName,

    [Parameter()]
    [ValidateSet('JEA', 'WinRM', 'SSH')]
    [string] $Transport = 'JEA',

    [Parameter()]
    [System.Management.Automation.PSCredential]
    [System.Management.Automation.Credential()]
    $Credential = [System.Management.Automation.PSCredential]::Empty,

    [Parameter()]
    [string] $UserName,

    [Parameter()]
    [string] $KeyFilePath,

    [Parameter()]
    [ValidateRange(1, 65535)]
    [int] $Port = 22,

    [Parameter()]
    [string] $WorkflowPath = ([System.IO.Path]::Combine($PSScriptRoot, 'workflows', 'joiner-with-sync.psd1'))
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module -Name IdLE
Import-Module -Name IdLE.Provider.EntraConnectSync
Import-Module -Name IdLE.Steps.EntraConnectSync

. ([System.IO.Path]::Combine($PSScriptRoot, 'sessions', 'New-EntraConnectJeaAuthSession.ps1'))
. ([System.IO.Path]::Combine($PSScriptRoot, 'sessions', 'New-EntraConnectWinRmAuthSession.ps1'))
. ([System.IO.Path]::Combine($PSScriptRoot, 'sessions', 'New-EntraConnectSshAuthSession.ps1'))
. ([System.IO.Path]::Combine($PSScriptRoot, 'broker', 'New-ExampleAuthSessionBroker.ps1'))

# The factory runs when a step first asks for 'EntraConnect' (inside Invoke-IdlePlan, while
# this script's variables and the dot-sourced functions are in scope). It is host code: the
# workflow and the request carry only the session's name.
$factory = switch ($Transport) {
    'JEA' {
        { New-EntraConnectJeaAuthSession -ComputerName $ComputerName -Credential $Credential }
    }
    'WinRM' {
        { New-EntraConnectWinRmAuthSession -ComputerName $ComputerName -Credential $Credential }
    }
    'SSH' {
        if ([string]::IsNullOrEmpty($UserName) -or [string]::IsNullOrEmpty($KeyFilePath)) {
            throw [System.ArgumentException]::new('The SSH transport needs -UserName and -KeyFilePath.')
        }
        { New-EntraConnectSshAuthSession -HostName $ComputerName -UserName $UserName -KeyFilePath $KeyFilePath -Port $Port }
    }
}

$broker = New-ExampleAuthSessionBroker -SessionFactory @{ EntraConnect = $factory }
$provider = New-IdleEntraConnectDirectorySyncProvider

try {
    $providers = @{
        DirectorySync     = $provider
        AuthSessionBroker = $broker
    }

    # IdLE 0.9.5 renamed the request factory; both take these parameters.
    $requestFactory = if (Get-Command -Name New-IdleRequest -Module IdLE -ErrorAction Ignore) { 'New-IdleRequest' } else { 'New-IdleLifecycleRequest' }
    $request = & $requestFactory -LifecycleEvent 'Joiner' -Actor ([System.Environment]::UserName) -CorrelationId ([guid]::NewGuid().ToString()) -IdentityKeys @{
        EmployeeId = '12345'
    }

    $plan = New-IdlePlan -WorkflowPath $WorkflowPath -Request $request -Providers $providers
    $result = Invoke-IdlePlan -Plan $plan -Providers $providers
    $result
}
finally {
    $broker.Dispose()
    $provider.Dispose()
}
