<#
.SYNOPSIS
Prints, per scenario, the remote calls one waited step makes and its time to completion, against
the simulated Entra Connect server (real time: about a minute and a half in all).

.DESCRIPTION
Two scenarios, each run once through Invoke-IdleStepTriggerDirectorySync with Wait and
PollIntervalSeconds = 5:
- Normal: a Delta cycle of about 9 s (start lag 1.5 s), seen in progress by a poll.
- BetweenPolls: a cycle of about 3 s that starts and ends between two polls, on a server whose
  next-cycle time does not move later (a custom schedule further out than the interval).
Each line gives the calls per ADSync command, their total, the seconds to completion, the
evidence and the warnings. Used for the before/after figures of issue 19.

.PARAMETER ModuleRoot
A folder holding the built modules (provider, step pack, simulator). Default: out/modules.
#>
[CmdletBinding()]
param(
    [string] $ModuleRoot
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repo = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
if (-not $ModuleRoot) { $ModuleRoot = [System.IO.Path]::Combine($repo, 'out', 'modules') }
$env:PSModulePath = $ModuleRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module IdLE.Steps.EntraConnectSync
Import-Module IdLE.EntraConnect.Simulator
$statePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "idle-ec-measure-$PID.json")

function New-CountingSession {
    $session = [pscustomobject]@{ Calls = [System.Collections.Generic.List[string]]::new() }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                $this.Calls.Add($CommandName)
                & $CommandName @Parameters
            }))
    $session
}

function Measure-Scenario([string] $Name) {
    $session = New-CountingSession
    $sink = [pscustomobject]@{}
    $sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', { param($Type, $Message, $StepName, $Data) }))
    $context = [pscustomobject]@{ Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }; EventSink = $sink; Session = $session }
    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', { param($N, $O) $this.Session }))
    $step = @{ Name = 'Measure'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{ AuthSessionName = 'S'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 5; TimeoutSeconds = 300 } }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $result = Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step
    $seconds = $watch.Elapsed.TotalSeconds
    $byCommand = $session.Calls | Group-Object | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Count)" }
    $warnings = @($result.Data.warnings | ForEach-Object { $_.code }) -join ','
    '{0,-13} calls={1,2} ({2})  seconds={3,5:N1}  evidence={4}  warnings={5}' -f $Name, $session.Calls.Count, ($byCommand -join ' '), $seconds, $result.Data.evidence, $warnings
}

Reset-ADSyncSimulator -StatePath $statePath -StepSeconds 1 -GapSeconds 0.3 -StartLagSeconds 1.5
Measure-Scenario 'Normal'

Reset-ADSyncSimulator -StatePath $statePath -StepSeconds 0.3 -GapSeconds 0.1 -StartLagSeconds 0.5
Set-ADSyncSimulatorScenario -StatePath $statePath -NextSyncCycleStartTimeInUTC ([datetime]::UtcNow.AddHours(2))
Measure-Scenario 'BetweenPolls'

[System.IO.File]::Delete($statePath)
