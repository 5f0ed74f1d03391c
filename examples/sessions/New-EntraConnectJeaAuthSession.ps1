#Requires -Version 7.4
# Example: an AuthSession to the least-privilege JEA endpoint 'IdLE.EntraConnect'
# (examples/jea) for IdLE's Entra Connect directory sync provider. Dot-source this file in the
# host, then return the object from the host's AuthSessionBroker (see examples/broker).
Set-StrictMode -Version Latest

. ([System.IO.Path]::Combine($PSScriptRoot, 'EntraConnectAuthSession.Common.ps1'))

function New-EntraConnectJeaAuthSession {
    <#
    .SYNOPSIS
    Opens a PSSession to the IdLE.EntraConnect JEA endpoint and returns it as an AuthSession.

    .DESCRIPTION
    Calls New-PSSession -ComputerName -ConfigurationName IdLE.EntraConnect (with -Credential,
    -UseSSL and -Port when given) and wraps the session with New-EntraConnectAuthSessionObject.

    The endpoint is a RestrictedRemoteServer session in NoLanguage mode: it accepts commands,
    not script. InvokeCommand sends exactly one command with its parameters: Invoke-Command
    turns the literal script block { param($Name, $Params) & $Name @Params } into the command
    $Name with the parameters of $Params before sending it (the mechanism implicit remoting
    proxies from Import-PSSession rely on), so no script text reaches the endpoint. The endpoint
    itself allows only the four ADSync commands and PolicyType Delta or Initial; the same
    allow-list is checked locally first, so a wrong call fails with a clear message before any
    remoting.

    The connecting account needs no ADSync rights and no admin rights: it must be in the group
    the endpoint's RoleDefinitions name (e.g. CONTOSO\IdLE-EntraConnect-Operators). The commands
    run as the endpoint's virtual account (or gMSA), which is the one in ADSyncOperators. A new
    group membership takes effect at the next logon, that is, on the next PSSession.

    The credential is handed to New-PSSession as a PSCredential; it is never converted to plain
    text, logged or kept on the returned object.

    With -Session, an existing PSSession is wrapped instead; Dispose() then leaves it open.

    .PARAMETER ComputerName
    The Entra Connect server, e.g. sync01.contoso.com.

    .PARAMETER Credential
    The account to connect as. Omit it to connect as the current user (Kerberos).

    .PARAMETER ConfigurationName
    The JEA endpoint's name; 'IdLE.EntraConnect' (as examples/jea registers it) by default.

    .PARAMETER UseSSL
    Connect over HTTPS.

    .PARAMETER Port
    The WinRM port, if not the default.

    .PARAMETER Session
    An open PSSession to the JEA endpoint to wrap instead of opening one.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Example.EntraConnectAuthSession)

    .EXAMPLE
    $authSession = New-EntraConnectJeaAuthSession -ComputerName sync01.contoso.com -Credential $credential
    $authSession.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' })
    $authSession.Dispose()
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
        [string] $ConfigurationName = 'IdLE.EntraConnect',

        [Parameter(ParameterSetName = 'Connect')]
        [switch] $UseSSL,

        [Parameter(ParameterSetName = 'Connect')]
        [ValidateRange(1, 65535)]
        [int] $Port,

        [Parameter(Mandatory, ParameterSetName = 'Existing')]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    if ($PSCmdlet.ParameterSetName -eq 'Existing') {
        return New-EntraConnectAuthSessionObject -Session $Session -Transport JEA
    }

    $connect = @{
        ComputerName      = $ComputerName
        ConfigurationName = $ConfigurationName
        ErrorAction       = 'Stop'
    }
    if ($Credential -ne [System.Management.Automation.PSCredential]::Empty) {
        $connect.Credential = $Credential
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
    return New-EntraConnectAuthSessionObject -Session $remote -Transport JEA -OwnsSession
}
