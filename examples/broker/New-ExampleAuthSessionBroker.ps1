#Requires -Version 7.4
# Example: an AuthSessionBroker for IdLE that hands out AuthSessions by name. IdLE calls
# $broker.AcquireAuthSession($Name, $Options) when a step asks for With.AuthSessionName.
Set-StrictMode -Version Latest

function New-ExampleAuthSessionBroker {
    <#
    .SYNOPSIS
    Creates an example AuthSessionBroker that opens named AuthSessions on first use and reuses them.

    .DESCRIPTION
    Returns a [pscustomobject] with the broker contract IdLE uses:

    - AcquireAuthSession([string] $Name, [object] $Options): returns the AuthSession registered
      under Name, creating it on first use by running its factory, and the same object on later
      calls while its PSSession is open. A session whose PSSession is no longer open (broken or
      closed) is disposed and created anew. Options (the step's With.AuthSessionOptions) must be
      null or a hashtable; this example does not use them.
    - Dispose(): disposes every AuthSession the broker created.

    The factories are kept inside the AcquireAuthSession method (a closure), not in a property:
    IdLE refuses a Providers table that holds script blocks as data (it walks hashtables, arrays
    and note properties, including the broker's), so the broker's note properties hold data only.

    The factories are the host's code (script blocks written by the host, not data from a
    workflow or a request); each returns an AuthSession of one of the kinds the provider
    accepts: an object with InvokeCommand (e.g. New-EntraConnectJeaAuthSession), a PSSession
    (New-PSSession ...; removed by Dispose()), or, for IdLE's next contract where the workflow
    names the server in With.ComputerName, a PSCredential with which the provider connects itself
    (see the provider's -RemoteSessionOptions).
    Credentials stay inside the factories; the broker never sees or logs them.

    .PARAMETER SessionFactory
    A hashtable: session name -> script block that returns an AuthSession.

    .OUTPUTS
    System.Management.Automation.PSCustomObject (PSTypeName IdLE.Example.AuthSessionBroker)

    .EXAMPLE
    $broker = New-ExampleAuthSessionBroker -SessionFactory @{
        EntraConnect = { New-EntraConnectJeaAuthSession -ComputerName sync01.contoso.com }
    }
    $session = $broker.AcquireAuthSession('EntraConnect', $null)
    $broker.Dispose()

    .EXAMPLE
    $broker = New-ExampleAuthSessionBroker -SessionFactory @{ EntraConnect = { Get-Secret -Name EntraConnectSync } }

    IdLE's next contract: the broker hands out a PSCredential (here from a secret store) and the
    provider opens and removes a session to With.ComputerName for each call.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNull()]
        [hashtable] $SessionFactory
    )

    foreach ($key in $SessionFactory.Keys) {
        if ($SessionFactory[$key] -isnot [scriptblock]) {
            throw [System.ArgumentException]::new("SessionFactory['$key'] must be a script block that returns an AuthSession.")
        }
    }

    $factories = $SessionFactory.Clone()
    $broker = [pscustomobject]@{
        PSTypeName   = 'IdLE.Example.AuthSessionBroker'
        SessionNames = [string[]] @($SessionFactory.Keys)
        Sessions     = @{}
    }

    $broker.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param(
                    [string] $Name,
                    [object] $Options
                )
                if ([string]::IsNullOrWhiteSpace($Name) -or -not $factories.ContainsKey($Name)) {
                    throw [System.ArgumentException]::new(
                        "The AuthSessionBroker has no session named '$Name'. Known names: " +
                        ($this.SessionNames -join ', ') + '.')
                }
                if ($null -ne $Options -and $Options -isnot [hashtable]) {
                    throw [System.ArgumentException]::new('AuthSessionOptions must be a hashtable (data only) or null.')
                }

                if ($this.Sessions.ContainsKey($Name)) {
                    $cached = $this.Sessions[$Name]
                    $remote = $cached.PSObject.Properties['Session']
                    $state = if ($cached -is [System.Management.Automation.Runspaces.PSSession]) {
                        [string] $cached.State
                    }
                    elseif ($null -ne $remote -and $null -eq $remote.Value) {
                        # The AuthSession was disposed: its remote session is gone.
                        'Closed'
                    }
                    elseif ($null -ne $remote -and $null -ne $remote.Value.PSObject.Properties['State']) {
                        [string] $remote.Value.State
                    }
                    else {
                        'Opened'
                    }
                    if ($state -eq 'Opened') {
                        return $cached
                    }
                    if ($cached -is [System.Management.Automation.Runspaces.PSSession]) {
                        Remove-PSSession -Session $cached -ErrorAction SilentlyContinue
                    }
                    elseif ($null -ne $cached.PSObject.Methods['Dispose']) {
                        $cached.Dispose()
                    }
                    $this.Sessions.Remove($Name)
                }

                $created = & $factories[$Name]
                $usable = $created -is [pscredential] -or $created -is [System.Management.Automation.Runspaces.PSSession] -or
                    ($null -ne $created -and $null -ne $created.PSObject.Methods['InvokeCommand'])
                if (-not $usable) {
                    throw [System.InvalidOperationException]::new(
                        "The factory for AuthSession '$Name' did not return an object with an InvokeCommand method, a PSSession or a PSCredential.")
                }
                $this.Sessions[$Name] = $created
                return $created
            }.GetNewClosure()))   # $factories stays inside the method

    $broker.PSObject.Members.Add([psscriptmethod]::new('Dispose', {
                foreach ($name in @($this.Sessions.Keys)) {
                    $session = $this.Sessions[$name]
                    $this.Sessions.Remove($name)
                    if ($session -is [System.Management.Automation.Runspaces.PSSession]) {
                        Remove-PSSession -Session $session -ErrorAction SilentlyContinue
                    }
                    elseif ($null -ne $session.PSObject.Methods['Dispose']) {
                        $session.Dispose()
                    }
                }
            }))

    return $broker
}
