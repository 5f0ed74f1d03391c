#Requires -Version 7.4
# Shared by the three transport examples (WinRM, SSH, JEA): turns an open PSSession into the
# AuthSession object IdLE's Entra Connect provider calls. Dot-source it (the transport files do).
Set-StrictMode -Version Latest

function New-EntraConnectAuthSessionObject {
    <#
    .SYNOPSIS
    Wraps an open PSSession as an AuthSession for the Entra Connect directory sync provider.

    .DESCRIPTION
    Returns a [pscustomobject] with the AuthSession contract IdLE's Entra Connect provider uses:

    - InvokeCommand([string] $CommandName, [hashtable] $Parameters): runs ONE named ADSync
      command in the remote session with the parameters splatted, and returns its output.
    - Dispose(): removes the PSSession if this object opened it.

    InvokeCommand first checks the command against an allow-list (AllowedCommands) of the four
    ADSync commands the provider uses, their parameter names, and that every value is plain
    data. Anything else is refused with a terminating error before any remoting happens.
    Over WinRM or SSH the remote session is a full-language session in which the connecting
    account could run anything its rights allow; the allow-list keeps this object from becoming
    a general remote-execution channel. Against a JEA endpoint the endpoint enforces the same
    limits on the server; the check here fails fast with a clearer message.

    The command runs through
        Invoke-Command -Session $s -ScriptBlock { param($Name, $Params) & $Name @Params } -ArgumentList $CommandName, $Parameters
    The script block is a literal: the command name and the parameters travel as arguments,
    never as script text. Invoke-Command turns a script block of one command whose name and
    arguments come from its own parameters into a command pipeline (command name plus
    parameters) before sending it, so the same call also works against a JEA endpoint in
    NoLanguage mode, which refuses script text. Implicit remoting (Import-PSSession) proxies use
    this same script block.

    Errors: the remote command's non-terminating errors (the ADSync "busy" error is one) and the
    remote terminating errors arrive in Invoke-Command's error stream. InvokeCommand passes
    -ErrorAction Continue so the host's $ErrorActionPreference cannot turn them into an
    exception mid-call; they are written to the caller's error stream, where the provider reads
    them. Nothing is swallowed.

    .PARAMETER Session
    The open session (a System.Management.Automation.Runspaces.PSSession from New-PSSession).

    .PARAMETER Transport
    A label for the transport (WinRM, SSH, JEA), kept on the object for diagnostics.

    .PARAMETER OwnsSession
    If set, Dispose() removes the session. Leave it off for a session the caller manages.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Example.EntraConnectAuthSession)

    .EXAMPLE
    $ps = New-PSSession -ComputerName sync01.contoso.com
    $authSession = New-EntraConnectAuthSessionObject -Session $ps -Transport WinRM
    $authSession.InvokeCommand('Get-ADSyncScheduler', @{})
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNull()]
        [object] $Session,

        [Parameter(Mandatory)]
        [ValidateSet('WinRM', 'SSH', 'JEA')]
        [string] $Transport,

        [Parameter()]
        [switch] $OwnsSession
    )

    # The only commands this session runs, each with the parameter names it may receive and,
    # where the values are a closed set, those values. Mirrors examples/jea/IdLE.EntraConnect.psrc.
    $allowed = [ordered]@{
        'Start-ADSyncSyncCycle'      = @{ PolicyType = @('Delta', 'Initial') }
        'Get-ADSyncScheduler'        = @{}
        'Get-ADSyncRunProfileResult' = @{ NumberRequested = $null; RunStepDetails = $null }
    }

    $authSession = [pscustomobject]@{
        PSTypeName      = 'IdLE.Example.EntraConnectAuthSession'
        Transport       = $Transport
        Session         = $Session
        OwnsSession     = [bool] $OwnsSession
        AllowedCommands = $allowed
    }

    $authSession.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param(
                    [string] $CommandName,
                    [hashtable] $Parameters
                )
                if ($null -eq $Parameters) {
                    $Parameters = @{}
                }

                # 1. Allow-list: the command name (exact ADSync names, any casing).
                $rules = $null
                foreach ($name in $this.AllowedCommands.Keys) {
                    if ([string]::Equals($name, $CommandName, [System.StringComparison]::OrdinalIgnoreCase)) {
                        $CommandName = $name
                        $rules = $this.AllowedCommands[$name]
                    }
                }
                if ($null -eq $rules) {
                    throw [System.ArgumentException]::new(
                        "This Entra Connect AuthSession refuses the command '$CommandName': it runs only " +
                        (@($this.AllowedCommands.Keys) -join ', ') + '.')
                }

                # 2. Parameter names and values: data only, closed sets enforced.
                $checked = @{}
                foreach ($key in @($Parameters.Keys)) {
                    $parameterName = [string] $key
                    $ruleName = $null
                    foreach ($candidate in $rules.Keys) {
                        if ([string]::Equals($candidate, $parameterName, [System.StringComparison]::OrdinalIgnoreCase)) {
                            $ruleName = $candidate
                        }
                    }
                    if ($null -eq $ruleName) {
                        throw [System.ArgumentException]::new(
                            "This Entra Connect AuthSession refuses the parameter '$parameterName' for $CommandName.")
                    }
                    $value = $Parameters[$key]
                    if ($value -is [psobject]) {
                        $value = $value.PSObject.BaseObject
                    }
                    $isData = ($value -is [string]) -or ($value -is [bool]) -or ($value -is [int]) -or
                        ($value -is [long]) -or ($value -is [guid]) -or ($value -is [enum])
                    if (-not $isData) {
                        throw [System.ArgumentException]::new(
                            "This Entra Connect AuthSession refuses the value of '$ruleName' for ${CommandName}: only strings, numbers, booleans and GUIDs are passed.")
                    }
                    $closedSet = $rules[$ruleName]
                    if ($null -ne $closedSet -and -not ($closedSet -contains [string] $value)) {
                        throw [System.ArgumentException]::new(
                            "This Entra Connect AuthSession refuses $ruleName '$value' for ${CommandName}: allowed values are " +
                            ($closedSet -join ', ') + '.')
                    }
                    $checked[$ruleName] = $value
                }

                if ($null -eq $this.Session) {
                    throw [System.ObjectDisposedException]::new('EntraConnectAuthSession',
                        'This Entra Connect AuthSession was disposed; ask the AuthSessionBroker for a new one.')
                }

                # 3. Run the named command directly. The script block is a literal; the name and
                # the parameters are arguments (data), never script text.
                Invoke-Command -Session $this.Session -ErrorAction Continue -ArgumentList $CommandName, $checked -ScriptBlock {
                    param($Name, $Params)
                    & $Name @Params
                }
            }))

    $authSession.PSObject.Members.Add([psscriptmethod]::new('Dispose', {
                $session = $this.Session
                $this.Session = $null
                if ($this.OwnsSession -and $null -ne $session) {
                    Remove-PSSession -Session $session -ErrorAction SilentlyContinue
                }
            }))

    return $authSession
}
