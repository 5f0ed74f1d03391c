<#
.SYNOPSIS
The README's demo: a whole Entra Connect sync through IdLE's step, provider and native core,
against the built-in simulated Entra Connect server.

.DESCRIPTION
Imports the built modules, resets a simulated server (state in a file), and runs the step
IdLE.Step.TriggerDirectorySync three times as an IdLE host would:
1. a Delta cycle, waiting until it has really finished;
2. a server whose cycle starts late (start lag longer than a poll interval): no false completion;
3. a server already busy with a scheduled cycle: the step waits for it, then triggers its own;
4. a cycle whose export to Entra ID ends 'completed-export-errors': the step reports it, per
   connector with the counts, as a warning, and with FailOnRunErrors as a failure.
Runs in the pwsh that scripts/bootstrap.sh installs (scripts/demo.sh starts it).

.PARAMETER ModuleRoot
The folder holding the built modules (scripts/build.sh writes out/modules).

.PARAMETER StatePath
The simulator's state file. Default: a fresh file under out/.

.PARAMETER Scenario
Which scenarios to run: All (default), Wait, StartLag, Busy or ExportErrors.

.PARAMETER InRunspace
Internal: set when the demo runs in the runspace whose progress the outer call prints (output
redirected to a log or a pipe; on a terminal pwsh draws the progress bar itself).
#>
[CmdletBinding()]
param(
    [string] $ModuleRoot,
    [string] $StatePath,
    [ValidateSet('All', 'Wait', 'StartLag', 'Busy', 'ExportErrors')]
    [string] $Scenario = 'All',
    # Internal: the demo already runs in a runspace whose progress the caller prints.
    [switch] $InRunspace
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if ([Console]::IsOutputRedirected -and -not $InRunspace) {
    # pwsh draws the step's progress bar only on a terminal. Into a log or a pipe, the demo runs
    # in a runspace of its own (same host, so its lines appear as they are written) and every
    # change of the progress it reports is printed here as a line.
    $runspace = [runspacefactory]::CreateRunspace($Host)
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    $null = $ps.AddCommand($PSCommandPath).AddParameter('Scenario', $Scenario).AddParameter('InRunspace')
    if ($ModuleRoot) { $null = $ps.AddParameter('ModuleRoot', $ModuleRoot) }
    if ($StatePath) { $null = $ps.AddParameter('StatePath', $StatePath) }
    $pending = $ps.BeginInvoke()
    $seen = 0
    $last = $null
    while (-not $pending.IsCompleted -or $seen -lt $ps.Streams.Progress.Count) {
        while ($seen -lt $ps.Streams.Progress.Count) {
            $record = $ps.Streams.Progress[$seen]
            $seen++
            $line = if ($record.RecordType -eq 'Completed') { "$($record.Activity): done" } else { '{0}: {1} ({2})' -f $record.Activity, $record.StatusDescription, $record.CurrentOperation }
            if ($line -ne $last) { $Host.UI.WriteLine("             progress: $line"); $last = $line }
        }
        [System.Threading.Thread]::Sleep(20)
    }
    try { $null = $ps.EndInvoke($pending) } finally { $ps.Dispose(); $runspace.Dispose() }
    exit 0
}

$repo = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
if (-not $ModuleRoot) { $ModuleRoot = [System.IO.Path]::Combine($repo, 'out', 'modules') }
if (-not $StatePath) { $StatePath = [System.IO.Path]::Combine($repo, 'out', 'demo', 'adsync-state.json') }
$null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($StatePath))

$env:PSModulePath = $ModuleRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module IdLE.Steps.EntraConnectSync   # brings the provider module with it
Import-Module IdLE.EntraConnect.Simulator

function Write-Line([string] $Text = '') { $Host.UI.WriteLine($Text) }

function New-LocalAuthSession {
    # What a host's AuthSessionBroker hands out. Here the "server" is the simulator in this
    # process; a real host would run the named command over WinRM, SSH or JEA instead. The
    # command is called by name with splatted data: no script text is built from parameters.
    $session = [pscustomobject]@{ PSTypeName = 'Demo.LocalAuthSession' }
    $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                & $CommandName @Parameters
            }))
    $session
}

function New-DemoContext {
    # The part of IdLE's execution context the step uses: providers, the session broker, events.
    $events = [System.Collections.Generic.List[object]]::new()
    $context = [pscustomobject]@{
        Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
        Session   = New-LocalAuthSession
        Events    = $events
        EventSink = [pscustomobject]@{ Events = $events }
    }
    $context.EventSink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', {
                param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; Data = $Data })
                $keys = [string[]] @($Data.Keys)
                [System.Array]::Sort($keys)
                # The run summary is a list of tables: shown one connector per line below.
                $pairs = foreach ($key in $keys) { if ($key -ne 'runSummary') { "$key=$(@($Data[$key]) -join ',')" } }
                $Host.UI.WriteLine(("  [{0:HH:mm:ss}] {1,-24} {2}" -f [datetime]::Now, $Type, $Message))
                if ($pairs) { $Host.UI.WriteLine("             $($pairs -join '  ')") }
                foreach ($connector in @($Data['runSummary'])) {
                    if ($null -eq $connector) { continue }
                    $counts = foreach ($name in 'adds', 'updates', 'deletes', 'exportErrors', 'syncErrors', 'discoveryErrors') {
                        if ($connector.ContainsKey($name)) { "$name=$($connector[$name])" }
                    }
                    $Host.UI.WriteLine(("             run summary: {0,-32} {1,-24} {2,-20} {3}" -f $connector['connector'], $connector['result'], $connector['resultClass'], ($counts -join ' ')))
                }
            }))
    $context.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                param([string] $Name, [object] $Options)
                $this.Session
            }))
    $context
}

function Invoke-DemoStep([string] $Title, [hashtable] $With) {
    Write-Line
    Write-Line "== $Title"
    $context = New-DemoContext
    $step = @{ Name = 'Sync to Entra ID'; Type = 'IdLE.Step.TriggerDirectorySync'; With = $With }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $result = Invoke-IdleStepTriggerDirectorySync -Context $context -Step $step
        Write-Line ("  => {0}: Changed={1}, start observed={2}, polls={3}, {4:N1} s{5}" -f $result.Status, $result.Changed,
            $result.Data.startObserved, $result.Data.attempts, $watch.Elapsed.TotalSeconds,
            $(if (@($result.Data.warnings).Count) { ', warnings: ' + (@($result.Data.warnings | ForEach-Object { $_.code }) -join ', ') } else { '' }))
        $result
    }
    catch {
        Write-Line "  => Failed ($($_.FullyQualifiedErrorId)): $($_.Exception.Message)"
        throw
    }
}

$runs = [System.Collections.Generic.List[object]]::new()

if ($Scenario -in 'All', 'Wait') {
    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 1 -GapSeconds 0.3 -StartLagSeconds 1.5
    $runs.Add((Invoke-DemoStep 'Delta sync, waiting until the cycle has really finished' @{
                AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 2; TimeoutSeconds = 120
            }))
    $history = @(Get-ADSyncRunProfileResult -NumberRequested 8)
    Write-Line '  Run history on the server (newest first):'
    foreach ($run in $history) {
        Write-Line ("    {0,-32} {1,-22} {2}" -f $run.ConnectorName, $run.RunProfileName, $run.Result)
    }
}

if ($Scenario -in 'All', 'StartLag') {
    # The server reports idle for 6 s after accepting the trigger: a wait that trusted the first
    # idle poll would report success before anything ran.
    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 0.5 -GapSeconds 0.2 -StartLagSeconds 6
    $runs.Add((Invoke-DemoStep 'A cycle that starts 6 s after the trigger (polling every 2 s)' @{
                AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 2; TimeoutSeconds = 120
            }))
}

if ($Scenario -in 'All', 'Busy') {
    # The 30-minute scheduler has just started a cycle; the step waits for it, then triggers its
    # own, because the running cycle may predate the change that needs syncing.
    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 0.5 -GapSeconds 0.2 -StartLagSeconds 0.5
    Set-ADSyncSimulatorScenario -StatePath $StatePath -NextSyncCycleStartTimeInUTC ([datetime]::UtcNow.AddSeconds(-1))
    $null = Get-ADSyncScheduler   # lets the scheduler notice it is due
    $runs.Add((Invoke-DemoStep 'A server busy with a scheduled cycle (WaitForRunningCycle)' @{
                AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120
                WaitForRunningCycle = $true
            }))
}

if ($Scenario -in 'All', 'ExportErrors') {
    # The export to Entra ID ends 'completed-export-errors' (3 objects not exported): a cycle that
    # ran is not a cycle that worked. The step reads the run history since its trigger.
    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 0.5 -GapSeconds 0.2 -StartLagSeconds 0.5 `
        -RunResult @{ 'contoso.onmicrosoft.com - AAD|Export' = 'completed-export-errors' }
    $result = Invoke-DemoStep 'A cycle whose export to Entra ID has errors: reported as a warning' @{
        AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120
    }
    foreach ($warning in @($result.Data.warnings)) { Write-Line "  WARNING ($($warning['code'])): $($warning['message'])" }
    $runs.Add($result)

    Reset-ADSyncSimulator -StatePath $StatePath -StepSeconds 0.5 -GapSeconds 0.2 -StartLagSeconds 0.5 `
        -RunResult @{ 'contoso.onmicrosoft.com - AAD|Export' = 'completed-export-errors' }
    try {
        $null = Invoke-DemoStep 'The same cycle with FailOnRunErrors = $true: reported as a failure' @{
            AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120
            FailOnRunErrors = $true
        }
        throw 'The step should have failed on the export errors.'
    }
    catch [System.Management.Automation.RuntimeException] {
        if ($_.FullyQualifiedErrorId -notlike 'IdLE.DirectorySync.RunErrors*') { throw }
        Write-Line "  (the workflow's OnFailure steps would run now; ErrorId $($_.FullyQualifiedErrorId.Split(',')[0]), category $($_.CategoryInfo.Category))"
    }
}

Write-Line
Write-Line "All $($runs.Count) demo run(s) completed."
