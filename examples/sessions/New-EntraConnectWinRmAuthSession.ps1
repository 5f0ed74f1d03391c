#Requires -Version 7.4
# Example: an AuthSession over WinRM (PowerShell remoting over WS-Management) for IdLE's
# Entra Connect directory sync provider. Dot-source this file in the host, then return the
# object from the host's AuthSessionBroker (see examples/broker).
Set-StrictMode -Version Latest

. ([System.IO.Path]::Combine($PSScriptRoot, 'EntraConnectAuthSession.Common.ps1'))

function New-EntraConnectWinRmAuthSession {
    <#
    .SYNOPSIS
    Opens a WinRM PSSession to the Entra Connect server and returns it as an AuthSession.

    .DESCRIPTION
    Calls New-PSSession -ComputerName (with -Credential, -ConfigurationName, -UseSSL and -Port
    when given) and wraps the session with New-EntraConnectAuthSessionObject. The returned object
    has InvokeCommand(CommandName, Parameters), which runs only the ADSync commands the provider
    uses (an allow-list checked before any remoting), and Dispose(), which removes the session.

    The credential is handed to New-PSSession as a PSCredential; it is never converted to plain
    text, logged or kept on the returned object.

    The account needs, on the Entra Connect server: membership in ADSyncOperators (read and
    trigger; see docs/hosts) and the right to connect with WinRM (Remote Management Users, or
    an endpoint whose permissions include it). A new group membership takes effect at its next
    logon, that is, on the next PSSession.

    With -Session, an existing PSSession is wrapped instead; Dispose() then leaves it open.

    .PARAMETER ComputerName
    The Entra Connect server, e.g. sync01.contoso.com.

    .PARAMETER Credential
    The account to connect as. Omit it to connect as the current user (Kerberos).

    .PARAMETER ConfigurationName
    The session configuration (endpoint) on the server. Omit it for the default endpoint.

    .PARAMETER UseSSL
    Connect over HTTPS (WinRM port 5986 unless -Port says otherwise).

    .PARAMETER Port
    The WinRM port, if not the default.

    .PARAMETER Session
    An open PSSession to wrap instead of opening one.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Example.EntraConnectAuthSession)

    .EXAMPLE
    $authSession = New-EntraConnectWinRmAuthSession -ComputerName sync01.contoso.com -Credential $credential
    $authSession.InvokeCommand('Get-ADSyncScheduler', @{})
    $authSession.Dispose()

    .EXAMPLE
    $authSession = New-EntraConnectWinRmAuthSession -ComputerName sync01.contoso.com -UseSSL

    Connects as the current user over HTTPS.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Connect')]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $ComputerName,

        [Parameter(ParameterSetName = 'Connect')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(ParameterSetName = 'Connect')]
        [ValidateNotNullOrEmpty()]
        [string] $ConfigurationName,

        [Parameter(ParameterSetName = 'Connect')]
        [switch] $UseSSL,

        [Parameter(ParameterSetName = 'Connect')]
        [ValidateRange(1, 65535)]
        [int] $Port,

        [Parameter(Mandatory, ParameterSetName = 'Existing')]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    if ($PSCmdlet.ParameterSetName -eq 'Existing') {
        return New-EntraConnectAuthSessionObject -Session $Session -Transport WinRM
    }

    $connect = @{
        ComputerName = $ComputerName
        ErrorAction  = 'Stop'
    }
    if ($Credential -ne [System.Management.Automation.PSCredential]::Empty) {
        $connect.Credential = $Credential
    }
    if ($PSBoundParameters.ContainsKey('ConfigurationName')) {
        $connect.ConfigurationName = $ConfigurationName
    }
    if ($UseSSL) {
        $connect.UseSSL = $true
    }
    if ($PSBoundParameters.ContainsKey('Port')) {
        $connect.Port = $Port
    }

    try {
        $remote = New-PSSession @connect
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
    return New-EntraConnectAuthSessionObject -Session $remote -Transport WinRM -OwnsSession
}
