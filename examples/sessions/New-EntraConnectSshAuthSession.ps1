#Requires -Version 7.4
# Example: an AuthSession over SSH remoting (PowerShell 7) for IdLE's Entra Connect directory
# sync provider. Dot-source this file in the host, then return the object from the host's
# AuthSessionBroker (see examples/broker).
Set-StrictMode -Version Latest

. ([System.IO.Path]::Combine($PSScriptRoot, 'EntraConnectAuthSession.Common.ps1'))

function New-EntraConnectSshAuthSession {
    <#
    .SYNOPSIS
    Opens an SSH-remoting PSSession to the Entra Connect server and returns it as an AuthSession.

    .DESCRIPTION
    Calls New-PSSession -HostName -UserName -KeyFilePath (with -Port and -Subsystem when given)
    and wraps the session with New-EntraConnectAuthSessionObject. The returned object has
    InvokeCommand(CommandName, Parameters), which runs only the ADSync commands the provider
    uses (an allow-list checked before any remoting), and Dispose(), which removes the session.

    Authentication is by key: the private key file stays where it is and is read by ssh, not by
    this function. The server needs OpenSSH with a PowerShell subsystem in sshd_config, and the
    account needs membership in ADSyncOperators on the Entra Connect server (see docs/hosts). A
    new group membership takes effect at its next logon, that is, on the next PSSession.

    With -Session, an existing PSSession is wrapped instead; Dispose() then leaves it open.

    .PARAMETER HostName
    The Entra Connect server, e.g. sync01.contoso.com.

    .PARAMETER UserName
    The account to log on as, e.g. 'CONTOSO\svc-idle-sync' or 'svc-idle-sync@contoso.com'.

    .PARAMETER KeyFilePath
    The private key file for key-based authentication.

    .PARAMETER Port
    The SSH port, if not 22.

    .PARAMETER Subsystem
    The SSH subsystem that hosts PowerShell on the server; 'powershell' unless configured otherwise.

    .PARAMETER Options
    SSH client options, passed to New-PSSession -Options, e.g.
    @{ UserKnownHostsFile = '/etc/idle/known_hosts'; StrictHostKeyChecking = 'yes'; ConnectTimeout = '10' }.
    Keep host key checking on: pin the server's key in a known_hosts file of the host's own.

    .PARAMETER Session
    An open PSSession to wrap instead of opening one.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Example.EntraConnectAuthSession)

    .EXAMPLE
    $authSession = New-EntraConnectSshAuthSession -HostName sync01.contoso.com -UserName 'CONTOSO\svc-idle-sync' -KeyFilePath ~/.ssh/idle_sync_ed25519
    $authSession.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' })
    $authSession.Dispose()
    #>
    [CmdletBinding(DefaultParameterSetName = 'Connect')]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $HostName,

        [Parameter(Mandatory, ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $UserName,

        [Parameter(Mandatory, ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $KeyFilePath,

        [Parameter(ParameterSetName = 'Connect')]
        [ValidateRange(1, 65535)]
        [int] $Port,

        [Parameter(ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $Subsystem,

        [Parameter(ParameterSetName = 'Connect')]
        [hashtable] $Options,

        [Parameter(Mandatory, ParameterSetName = 'Existing')]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    if ($PSCmdlet.ParameterSetName -eq 'Existing') {
        return New-EntraConnectAuthSessionObject -Session $Session -Transport SSH
    }

    $connect = @{
        HostName    = $HostName
        UserName    = $UserName
        KeyFilePath = $KeyFilePath
        ErrorAction = 'Stop'
    }
    if ($PSBoundParameters.ContainsKey('Port')) {
        $connect.Port = $Port
    }
    if ($PSBoundParameters.ContainsKey('Subsystem')) {
        $connect.Subsystem = $Subsystem
    }
    if ($PSBoundParameters.ContainsKey('Options')) {
        $connect.Options = $Options
    }

    try {
        $remote = New-PSSession @connect
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
    return New-EntraConnectAuthSessionObject -Session $remote -Transport SSH -OwnsSession
}
