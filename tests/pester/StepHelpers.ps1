# Test doubles for the Pester step tests (StepEdges.Tests.ps1): an IdLE-shaped execution context (providers, session broker,
# event sink) and scripted directory sync providers.
# Written for the PowerShell engine alone (no Utility or Management cmdlets).
Set-StrictMode -Version Latest

function New-StepLocalSession {
    <# .SYNOPSIS An AuthSession that runs the named command in this runspace (the simulator). #>
    $session = [pscustomobject]@{ PSTypeName = 'Test.LocalAuthSession' }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                & $CommandName @Parameters
            }))
    $session
}

function New-StepTestContext {
    <#
    .SYNOPSIS
    The part of IdLE's execution context the step uses. Every event is recorded in
    $global:StepTestEvents (so a test can read them after the pipeline was stopped); WriteEvent
    returns a value on purpose, which must not leak into the step's output. Every
    AcquireAuthSession call is recorded in $global:StepTestAcquired.
    #>
    param(
        [hashtable] $Providers = @{},
        [object] $Session = $null,
        [string] $AcquireError = $null,
        [switch] $AcquireStops
    )
    if ($null -eq $Session) { $Session = New-StepLocalSession }
    $events = [System.Collections.Generic.List[object]]::new()
    $acquired = [System.Collections.Generic.List[object]]::new()
    $global:StepTestEvents = $events
    $global:StepTestAcquired = $acquired
    $sink = [pscustomobject]@{ Events = $events }
    $sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', {
                param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                'sink-return-value-must-not-leak'
            }))
    $context = [pscustomobject]@{
        Providers    = $Providers
        Session      = $Session
        Events       = $events
        Acquired     = $acquired
        AcquireError = $AcquireError
        AcquireStops = [bool] $AcquireStops
        EventSink    = $sink
    }
    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param([string] $Name, [object] $Options)
                $this.Acquired.Add([pscustomobject]@{ Name = $Name; Options = $Options })
                if ($this.AcquireError) { throw $this.AcquireError }
                if ($this.AcquireStops) { throw (New-WrappedStop -Method 'AcquireAuthSession') }
                $this.Session
            }))
    $context
}

function New-WrappedStop {
    <# .SYNOPSIS A stop request as a caller sees it when it unwound through a ScriptMethod. #>
    param([string] $Method)
    [System.Management.Automation.MethodInvocationException]::new(
        "Exception calling `"$Method`" with `"1`" argument(s): `"The pipeline has been stopped.`"",
        [System.Management.Automation.PipelineStoppedException]::new())
}

function New-ScriptedProvider {
    <#
    .SYNOPSIS
    A pure-PowerShell directory sync provider. States: 'Idle', 'InProgress', 'Unknown',
    'Suspended' (idle with SchedulerSuspended), 'stopped', 'null', 'two' (two objects) or
    'throw:<message>'; the last one repeats. Triggers: 'ok', 'busy', 'stopped', 'null', 'two' or
    'throw:<message>'; the last one repeats.
    'stopped' throws a stop wrapped as PowerShell wraps one that unwinds through a ScriptMethod
    before the caller's pipeline is flagged as stopping. Every call is recorded in
    Calls (Method, ArgCount = arguments beyond the declared ones, GotSession, PolicyType).
    NextSyncCycleStartTimeInUTC moves one minute for every InProgress answer, as the real
    scheduler's does when a cycle completes, so an idle read after a busy one completes at once.
    With -NoAuthSession the methods do not declare an AuthSession parameter.
    #>
    param(
        [string[]] $States = @('Idle'),
        [string[]] $Triggers = @('ok'),
        [switch] $NoAuthSession
    )
    $provider = [pscustomobject]@{
        PSTypeName   = 'Test.ScriptedProvider'
        States       = $States
        Triggers     = $Triggers
        StateIndex   = 0
        TriggerIndex = 0
        Cycles       = 0
        Calls        = [System.Collections.Generic.List[object]]::new()
    }
    $provider.PSObject.Members.Add([psscriptmethod]::new('GetCapabilities', {
                @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
            }))
    $provider.PSObject.Members.Add([psscriptmethod]::new('NextTrigger', {
                $i = [System.Math]::Min($this.TriggerIndex, $this.Triggers.Count - 1)
                $this.TriggerIndex++
                $answer = $this.Triggers[$i]
                if ($answer -eq 'busy') {
                    throw [IdLE.EntraConnect.Interop.DirectorySyncException]::FromFailure(@{
                            class = 'CycleBusy'; message = 'Connector: contoso.onmicrosoft.com - AAD is busy.'; transient = $true
                        })
                }
                if ($answer -eq 'stopped') { throw (New-WrappedStop -Method 'StartSyncCycle') }
                if ($answer -eq 'null') { return $null }
                if ($answer -eq 'two') { return @(@{ Started = $true }, @{ Started = $true }) }
                if ($answer.StartsWith('throw:')) { throw $answer.Substring(6) }
                @{ Started = $true; Message = 'Sync cycle accepted.'; Details = @{} }
            }))
    $provider.PSObject.Members.Add([psscriptmethod]::new('NextState', {
                $i = [System.Math]::Min($this.StateIndex, $this.States.Count - 1)
                $this.StateIndex++
                $answer = $this.States[$i]
                if ($answer -eq 'stopped') { throw (New-WrappedStop -Method 'GetSyncCycleState') }
                if ($answer -eq 'null') { return $null }
                if ($answer -eq 'two') { return @(@{ InProgress = $false; State = 'Idle' }, @{ InProgress = $false; State = 'Idle' }) }
                if ($answer.StartsWith('throw:')) { throw $answer.Substring(6) }
                $suspended = $answer -eq 'Suspended'
                if ($suspended) { $answer = 'Idle' }
                if ($answer -eq 'InProgress') { $this.Cycles++ }
                $next = [datetime]::new(2026, 11, 23, 12, 0, 0, [System.DateTimeKind]::Utc).AddMinutes($this.Cycles)
                @{
                    InProgress = $answer -eq 'InProgress'
                    State      = $answer
                    Details    = @{
                        NextSyncCycleStartTimeInUTC = $next.ToString('o')
                        SchedulerSuspended          = $suspended
                        StagingModeEnabled          = $false
                    }
                }
            }))
    if ($NoAuthSession) {
        $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', {
                    param([string] $PolicyType)
                    $this.Calls.Add([pscustomobject]@{ Method = 'StartSyncCycle'; ArgCount = $args.Count; GotSession = $false; PolicyType = $PolicyType })
                    $this.NextTrigger()
                }))
        $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', {
                    $this.Calls.Add([pscustomobject]@{ Method = 'GetSyncCycleState'; ArgCount = $args.Count; GotSession = $false; PolicyType = $null })
                    $this.NextState()
                }))
    }
    else {
        $provider.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', {
                    param([string] $PolicyType, [object] $AuthSession)
                    $this.Calls.Add([pscustomobject]@{ Method = 'StartSyncCycle'; ArgCount = $args.Count; GotSession = $null -ne $AuthSession; PolicyType = $PolicyType })
                    $this.NextTrigger()
                }))
        $provider.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', {
                    param([object] $AuthSession)
                    $this.Calls.Add([pscustomobject]@{ Method = 'GetSyncCycleState'; ArgCount = $args.Count; GotSession = $null -ne $AuthSession; PolicyType = $null })
                    $this.NextState()
                }))
    }
    $provider
}

function Invoke-StepUnderTest {
    <#
    .SYNOPSIS
    Runs the step and returns a summary: Output (everything on the pipeline, as an array), Error
    (the ErrorRecord or $null), Events (the recorded events) and Types (their types).
    #>
    param(
        [object] $Context,
        [object] $With,
        [string] $Name = 'Sync to Entra ID'
    )
    $step = @{ Name = $Name; Type = 'IdLE.Step.TriggerDirectorySync'; With = $With }
    $output = $null
    $caught = $null
    try {
        $output = @(Invoke-IdleStepTriggerDirectorySync -Context $Context -Step $step)
    }
    catch {
        $caught = $_
    }
    $produced = [System.Collections.Generic.List[object]]::new()
    foreach ($item in @($output)) {
        if ($null -ne $item) { $produced.Add($item) }
    }
    [pscustomobject]@{
        Output = $produced.ToArray()
        Error  = $caught
        Events = @($Context.Events)
        Types  = @(foreach ($e in $Context.Events) { $e.Type })
    }
}
