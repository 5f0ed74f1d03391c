<#
.SYNOPSIS
Prints the provider's per-call cost, the modules' import time and memory growth over many calls,
measured in this pwsh (scripts/bench.sh runs it in the bootstrapped pwsh 7.6.10). Figures only:
nothing here passes or fails.

.PARAMETER ModulesPath
The folder holding the built modules (scripts/build.sh writes out/modules).

.PARAMETER Quick
Fewer calls and imports (a smoke run of the benchmark itself).
#>
[CmdletBinding()]
param(
    [string] $ModulesPath,
    [switch] $Quick,
    # Internal (section 0b): time the first calls of one provider and call in this fresh process.
    [ValidateSet('OursStartSyncCycle', 'ReferenceStartSyncCycle', 'NestedStartSyncCycle', 'OursGetSyncCycleState', 'ReferenceGetSyncCycleState', 'NestedGetSyncCycleState')]
    [string] $FirstCalls,
    [int] $FirstCallCount = 200
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repo = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
if (-not $ModulesPath) { $ModulesPath = [System.IO.Path]::Combine($repo, 'out', 'modules') }
$ModulesPath = [System.IO.Path]::GetFullPath($ModulesPath)
$provider = Join-Path $ModulesPath 'IdLE.Provider.EntraConnectSync'
$steps = Join-Path $ModulesPath 'IdLE.Steps.EntraConnectSync'
foreach ($m in $provider, $steps) { if (-not (Test-Path -LiteralPath $m)) { throw "No built module at '$m'; run scripts/build.sh." } }

$warmupCalls = if ($Quick) { 200 } else { 2000 }
$measuredCalls = if ($Quick) { 2000 } else { 20000 }
$coldImports = if ($Quick) { 3 } else { 7 }
$warmImports = if ($Quick) { 3 } else { 10 }
$memWarmup = if ($Quick) { 500 } else { 5000 }
$memCalls = if ($Quick) { 5000 } else { 50000 }
$pwsh = [System.Environment]::ProcessPath
if (-not $pwsh -or [System.IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
    # The .NET tool's pwsh runs as 'dotnet pwsh.dll'; its PSHOME has the pwsh launcher.
    $pwsh = [System.IO.Path]::Combine($PSHOME, $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
}

function Get-Median([double[]] $Values) {
    $sorted = [double[]] $Values.Clone(); [array]::Sort($sorted)
    $n = $sorted.Length
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}
function Get-Percentile([long[]] $Ticks, [double] $Q) {
    $sorted = [long[]] $Ticks.Clone(); [array]::Sort($sorted)
    $sorted[[math]::Min($sorted.Length - 1, [int][math]::Floor($Q * $sorted.Length))] * 1e6 / [System.Diagnostics.Stopwatch]::Frequency
}

Import-Module $provider

# A mocked AuthSession answering as a real server does (engine features only).
$session = [pscustomobject]@{ PSTypeName = 'IdLE.Benchmark.AuthSession' }
$session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
            param([string] $CommandName, [hashtable] $Parameters)
            if ($CommandName -eq 'Start-ADSyncSyncCycle') { return [pscustomobject]@{ Result = 'Success' } }
            if ($CommandName -eq 'Get-ADSyncScheduler') {
                return [pscustomobject][ordered]@{
                    AllowedSyncCycleInterval            = [timespan]::FromMinutes(30)
                    CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes(30)
                    CustomizedSyncCycleInterval         = [timespan]::FromMinutes(30)
                    NextSyncCyclePolicyType             = 'Delta'
                    NextSyncCycleStartTimeInUTC         = [datetime]::new(2026, 11, 23, 12, 0, 0, [System.DateTimeKind]::Utc)
                    PurgeRunHistoryInterval             = [timespan]::FromDays(7)
                    SyncCycleEnabled                    = $true
                    MaintenanceEnabled                  = $true
                    StagingModeEnabled                  = $false
                    SchedulerSuspended                  = $false
                    SyncCycleInProgress                 = $false
                }
            }
            throw "Unexpected command '$CommandName'."
        }))
$p = New-IdleEntraConnectDirectorySyncProvider

if (-not $FirstCalls) {
    "IdLE benchmark: PowerShell $($PSVersionTable.PSVersion) ($pwsh), $([System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription), native core $([IdLE.EntraConnect.Interop.EntraConnectProvider]::NativeVersion)"
    "Command: bash scripts/bench.sh   (figures only; nothing is asserted)"
    ''
}

# 0. Ours against a pure-PowerShell reference provider on the same session. The reference does
# what any provider must: call InvokeCommand, check the answer, build the result (written here,
# for this benchmark). Interleaved rounds (the order alternates), each round a batch of calls of
# each; the figure is the median over rounds of the mean per call in the batch.
$reference = [pscustomobject]@{ PSTypeName = 'IdLE.Benchmark.ReferenceProvider' }
$reference.PSObject.Members.Add([psscriptmethod]::new('StartSyncCycle', {
            param([string] $PolicyType, [object] $AuthSession)
            if ($PolicyType -notin 'Delta', 'Initial') { throw [System.ArgumentException]::new("PolicyType must be 'Delta' or 'Initial'.") }
            try {
                $answer = $AuthSession.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = $PolicyType })
            }
            catch {
                throw [System.InvalidOperationException]::new("Start-ADSyncSyncCycle failed: $($_.Exception.Message)", $_.Exception)
            }
            $result = if ($null -ne $answer -and $answer.PSObject.Properties['Result']) { [string] $answer.Result } else { $null }
            if ($result -ne 'Success') { throw [System.InvalidOperationException]::new("Start-ADSyncSyncCycle answered '$result'.") }
            [pscustomobject]@{ Started = $true; Message = "Result: $result"; Details = @{ Result = $result; PolicyType = $PolicyType } }
        }))
$reference.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', {
            param([object] $AuthSession)
            try {
                $scheduler = $AuthSession.InvokeCommand('Get-ADSyncScheduler', @{})
            }
            catch {
                throw [System.InvalidOperationException]::new("Get-ADSyncScheduler failed: $($_.Exception.Message)", $_.Exception)
            }
            if ($null -eq $scheduler -or $null -eq $scheduler.PSObject.Properties['SyncCycleInProgress']) { throw [System.InvalidOperationException]::new('Get-ADSyncScheduler answered without SyncCycleInProgress.') }
            $inProgress = [bool] $scheduler.SyncCycleInProgress
            [pscustomobject]@{
                InProgress = $inProgress
                State      = if ($inProgress) { 'InProgress' } else { 'Idle' }
                Details    = @{
                    NextSyncCycleStartTimeInUTC = $scheduler.NextSyncCycleStartTimeInUTC
                    StagingModeEnabled          = [bool] $scheduler.StagingModeEnabled
                    SchedulerSuspended          = [bool] $scheduler.SchedulerSuspended
                    SyncCycleEnabled            = [bool] $scheduler.SyncCycleEnabled
                }
            }
        }))

# What any provider must spend that captures the errors a session only writes (the server's
# "busy" error): the session's own call, and that call in a nested pipeline through a compiled
# one-parameter cmdlet, the shape of the provider's own capture (docs/performance.md).
if (-not ('IdLE.Benchmark.InvokeNested' -as [type])) {
    Add-Type -TypeDefinition @'
namespace IdLE.Benchmark
{
    using System.Management.Automation;
    [Cmdlet(VerbsLifecycle.Invoke, "BenchmarkSessionCall")]
    public sealed class InvokeNested : PSCmdlet
    {
        private static readonly CmdletInfo Info = new CmdletInfo("Invoke-BenchmarkSessionCall", typeof(InvokeNested));
        [Parameter] public object Call { get; set; }
        protected override void EndProcessing()
        {
            var call = (object[])Call;
            WriteObject(((PSObject)call[0]).Methods["InvokeCommand"].Invoke(call[1], call[2]), true);
        }
        public static int Run(PSObject session, string commandName, System.Collections.Hashtable parameters)
        {
            using (PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
            {
                ps.AddCommand(Info).AddParameter("Call", new object[] { session, commandName, parameters });
                return ps.Invoke().Count + ps.Streams.Error.Count;
            }
        }
    }
}
'@
}

if ($FirstCalls) {
    # Section 0b's child process: nothing has been called yet in this process.
    $call = @{
        OursStartSyncCycle         = { $p.StartSyncCycle('Delta', $session) }
        ReferenceStartSyncCycle    = { $reference.StartSyncCycle('Delta', $session) }
        OursGetSyncCycleState      = { $p.GetSyncCycleState($session) }
        ReferenceGetSyncCycleState = { $reference.GetSyncCycleState($session) }
        NestedStartSyncCycle       = { [IdLE.Benchmark.InvokeNested]::Run($session, 'Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' }) }
        NestedGetSyncCycleState    = { [IdLE.Benchmark.InvokeNested]::Run($session, 'Get-ADSyncScheduler', @{}) }
    }[$FirstCalls]
    $times = [double[]]::new($FirstCallCount)
    for ($i = 0; $i -lt $FirstCallCount; $i++) {
        $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $null = & $call
        $times[$i] = ([System.Diagnostics.Stopwatch]::GetTimestamp() - $t0) * 1e6 / [System.Diagnostics.Stopwatch]::Frequency
    }
    '{0} {1}' -f $times[0].ToString('R', [cultureinfo]::InvariantCulture), (Get-Median $times[1..($FirstCallCount - 1)]).ToString('R', [cultureinfo]::InvariantCulture)
    return
}
if (-not $p.StartSyncCycle('Delta', $session).Started -or $p.GetSyncCycleState($session).State -ne 'Idle') { throw 'The provider does not answer as expected on the benchmark session.' }
if (-not $reference.StartSyncCycle('Delta', $session).Started -or $reference.GetSyncCycleState($session).State -ne 'Idle') { throw 'The reference provider does not answer as expected on the benchmark session.' }

$rounds = if ($Quick) { 7 } else { 21 }
$batch = if ($Quick) { 200 } else { 1000 }
# .NET tiers code up and PowerShell compiles scripts over the first several thousand calls of a
# process: the comparison is made after that (steady state); first calls are section 0b.
$steadyWarmup = if ($Quick) { 10000 } else { 20000 }
function Measure-Batch([scriptblock] $Call) {
    $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
    for ($i = 0; $i -lt $batch; $i++) { $null = & $Call }
    ([System.Diagnostics.Stopwatch]::GetTimestamp() - $t0) * 1e6 / [System.Diagnostics.Stopwatch]::Frequency / $batch
}
function Measure-Interleaved([scriptblock] $A, [scriptblock] $B) {
    $aTimes = [System.Collections.Generic.List[double]]::new()
    $bTimes = [System.Collections.Generic.List[double]]::new()
    for ($round = 0; $round -lt $rounds; $round++) {
        if ($round % 2) { $bTimes.Add((Measure-Batch $B)); $aTimes.Add((Measure-Batch $A)) }
        else { $aTimes.Add((Measure-Batch $A)); $bTimes.Add((Measure-Batch $B)) }
    }
    [pscustomobject]@{ A = Get-Median $aTimes.ToArray(); B = Get-Median $bTimes.ToArray() }
}
# A cheaper capture that was measured and refused (docs/performance.md): the session's
# ScriptMethod run through InvokeWithContext with its errors merged; it misses errors written two
# method calls deep in the session.
$sessionScript = $session.PSObject.Methods['InvokeCommand'].Script
$thisSession = [psvariable]::new('this', $session)
$pairs = [ordered]@{
    StartSyncCycle    = @{ Ours = { $p.StartSyncCycle('Delta', $session) }; Reference = { $reference.StartSyncCycle('Delta', $session) }; Target = 1.0
        Direct = { $session.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' }) }; Nested = { [IdLE.Benchmark.InvokeNested]::Run($session, 'Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' }) }
        Redirected = { $sessionScript.InvokeWithContext($null, [System.Collections.Generic.List[psvariable]] @($thisSession), 'Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' }) 2>&1 } }
    GetSyncCycleState = @{ Ours = { $p.GetSyncCycleState($session) }; Reference = { $reference.GetSyncCycleState($session) }; Target = 0.5
        Direct = { $session.InvokeCommand('Get-ADSyncScheduler', @{}) }; Nested = { [IdLE.Benchmark.InvokeNested]::Run($session, 'Get-ADSyncScheduler', @{}) }
        Redirected = { $sessionScript.InvokeWithContext($null, [System.Collections.Generic.List[psvariable]] @($thisSession), 'Get-ADSyncScheduler', @{}) 2>&1 } }
}
# Everything measured below is warmed up together first, so no figure carries another's warm-up.
foreach ($pair in $pairs.Values) {
    foreach ($call in $pair.Ours, $pair.Reference, $pair.Direct, $pair.Nested, $pair.Redirected) {
        for ($i = 0; $i -lt $steadyWarmup; $i++) { $null = & $call }
    }
}
"0. Ours against a pure-PowerShell reference provider (same session; steady state: after $($steadyWarmup.ToString('N0')) calls of each, median of $rounds interleaved rounds of $($batch.ToString('N0')) calls; microseconds per call)"
'   {0,-20} {1,10} {2,10} {3,14} {4,8}' -f 'call', 'ours', 'reference', 'ours/reference', 'target'
$floors = [ordered]@{}
foreach ($name in $pairs.Keys) {
    $pair = $pairs[$name]
    $m = Measure-Interleaved $pair.Ours $pair.Reference
    '   {0,-20} {1,10:F1} {2,10:F1} {3,13:F2}x {4,7:F1}x' -f $name, $m.A, $m.B, ($m.A / $m.B), $pair.Target
    $floors[$name] = [pscustomobject]@{ Reference = $m.B; Floor = Measure-Interleaved $pair.Direct $pair.Nested; Redirected = (Measure-Interleaved $pair.Redirected $pair.Direct).A }
}
'   floors, measured the same way: the session''s own InvokeCommand called directly, in a nested pipeline (the capture'
'   ours uses), and redirected (InvokeWithContext 2>&1: cheaper, but misses errors written deeper; docs/performance.md)'
'   {0,-20} {1,10} {2,10} {3,10} {4,12} {5,12} {6,14}' -f 'call', 'direct', 'nested', 'redirected', 'direct/ref.', 'nested/ref.', 'redirected/ref.'
foreach ($name in $floors.Keys) {
    $f = $floors[$name]
    '   {0,-20} {1,10:F1} {2,10:F1} {3,10:F1} {4,11:F2}x {5,11:F2}x {6,13:F2}x' -f $name, $f.Floor.A, $f.Floor.B, $f.Redirected, ($f.Floor.A / $f.Reference), ($f.Floor.B / $f.Reference), ($f.Redirected / $f.Reference)
}
''

# 0b. First calls: a fresh pwsh per provider and call (an IdLE run makes tens of calls, so this
# is what a workflow pays), each timing its first call and the median of the next ones.
$firstCallRun = if ($Quick) { 50 } else { 200 }
$benchScript = $PSCommandPath
$firstCallProcesses = if ($Quick) { 1 } else { 3 }
function Measure-FirstCalls([string] $Which) {
    $firsts = [System.Collections.Generic.List[double]]::new()
    $medians = [System.Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $firstCallProcesses; $i++) {
        $out = & $pwsh -NoProfile -NonInteractive -File $benchScript -ModulesPath $ModulesPath -FirstCalls $Which -FirstCallCount $firstCallRun
        $first, $median = ([string] ($out | Select-Object -Last 1)).Split(' ')
        $firsts.Add([double]::Parse($first, [cultureinfo]::InvariantCulture))
        $medians.Add([double]::Parse($median, [cultureinfo]::InvariantCulture))
    }
    [pscustomobject]@{ First = Get-Median $firsts.ToArray(); Median = Get-Median $medians.ToArray() }
}
"0b. First calls in a fresh process (median of $firstCallProcesses processes per cell; microseconds: the first call, and the median of calls 2..$firstCallRun)"
'   {0,-20} {1,10} {2,10} {3,10} {4,10} {5,10} {6,12} {7,13}' -f 'call', 'ours 1st', 'ref. 1st', 'ours next', 'ref. next', 'floor next', 'ours/ref.', 'floor/ref.'
foreach ($name in $pairs.Keys) {
    $o = Measure-FirstCalls "Ours$name"; $r = Measure-FirstCalls "Reference$name"; $n = Measure-FirstCalls "Nested$name"
    '   {0,-20} {1,10:F0} {2,10:F0} {3,10:F1} {4,10:F1} {5,10:F1} {6,11:F2}x {7,12:F2}x' -f $name, $o.First, $r.First, $o.Median, $r.Median, $n.Median, ($o.Median / $r.Median), ($n.Median / $r.Median)
}
"   floor = the session's call in a nested pipeline, the capture any provider needs; ratios compare the medians of calls 2..$firstCallRun"

''

# 1. Per-call cost: each call timed on its own, the floor (the session's own InvokeCommand) and
# the provider call in turn, so a machine getting busier part-way costs both alike.
function Measure-Call([scriptblock] $Floor, [scriptblock] $Call) {
    for ($i = 0; $i -lt $warmupCalls; $i++) { $null = & $Floor; $null = & $Call }
    $floorTicks = [long[]]::new($measuredCalls)
    $callTicks = [long[]]::new($measuredCalls)
    for ($i = 0; $i -lt $measuredCalls; $i++) {
        $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $null = & $Floor
        $t1 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $null = & $Call
        $t2 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $floorTicks[$i] = $t1 - $t0
        $callTicks[$i] = $t2 - $t1
    }
    [pscustomobject]@{ Floor = Get-Percentile $floorTicks 0.5; Median = Get-Percentile $callTicks 0.5; P90 = Get-Percentile $callTicks 0.9 }
}
$rows = [ordered]@{
    'StartSyncCycle(Delta)' = Measure-Call { $session.InvokeCommand('Start-ADSyncSyncCycle', @{ PolicyType = 'Delta' }) } { $p.StartSyncCycle('Delta', $session) }
    'GetSyncCycleState'     = Measure-Call { $session.InvokeCommand('Get-ADSyncScheduler', @{}) } { $p.GetSyncCycleState($session) }
}
"1. Per-call cost ($($measuredCalls.ToString('N0')) measured calls each after $($warmupCalls.ToString('N0')) warm-up; microseconds)"
'   floor = the session''s own InvokeCommand, timed in turn with each call; over = median - floor'
'   {0,-30} {1,8} {2,8} {3,8} {4,8}' -f 'call', 'floor', 'median', 'p90', 'over'
foreach ($name in $rows.Keys) {
    $r = $rows[$name]
    '   {0,-30} {1,8:F1} {2,8:F1} {3,8:F1} {4,8:F1}' -f $name, $r.Floor, $r.Median, $r.P90, ($r.Median - $r.Floor)
}
''

# 2. Import time. Cold: the first Import-Module in each of several fresh pwsh processes (timed
# inside the process, so pwsh's own start-up is not counted). Warm: fresh runspaces here.
$floorModule = Join-Path ([System.IO.Path]::GetTempPath()) ('idle-bench-floor-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path (Join-Path $floorModule 'Floor')
Set-Content -LiteralPath (Join-Path $floorModule 'Floor/Floor.psm1') -Value "Set-StrictMode -Version Latest`nfunction Get-Floor { 'floor' }`nExport-ModuleMember -Function 'Get-Floor'"
New-ModuleManifest -Path (Join-Path $floorModule 'Floor/Floor.psd1') -RootModule 'Floor.psm1' -FunctionsToExport 'Get-Floor' -ModuleVersion '1.0.0'
$env:PSModulePath = $ModulesPath + [System.IO.Path]::PathSeparator + $env:PSModulePath
function Measure-ColdImport([string] $Module) {
    $script = "`$w = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module '$($Module.Replace("'", "''"))' -ErrorAction Stop; `$w.Elapsed.TotalMilliseconds.ToString('R', [cultureinfo]::InvariantCulture)"
    [double] (& $pwsh -NoProfile -NonInteractive -Command $script | Select-Object -Last 1)
}
$cold = @{ Provider = [System.Collections.Generic.List[double]]::new(); Steps = [System.Collections.Generic.List[double]]::new(); Floor = [System.Collections.Generic.List[double]]::new() }
for ($i = 0; $i -lt $coldImports; $i++) {
    # In turn, so a machine getting busier biases none of them.
    $cold.Provider.Add((Measure-ColdImport $provider))
    $cold.Steps.Add((Measure-ColdImport $steps))
    $cold.Floor.Add((Measure-ColdImport (Join-Path $floorModule 'Floor')))
}
$warm = [System.Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $warmImports; $i++) {
    $rs = [runspacefactory]::CreateRunspace(); $rs.Open()
    $ps = [powershell]::Create(); $ps.Runspace = $rs
    $null = $ps.AddScript("`$w = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module '$($provider.Replace("'", "''"))' -ErrorAction Stop; `$w.Elapsed.TotalMilliseconds")
    $warm.Add([double] $ps.Invoke()[0])
    $ps.Dispose(); $rs.Dispose()
}
Remove-Item -LiteralPath $floorModule -Recurse -Force
"2. Import-Module (ms)"
"   cold: median of $coldImports fresh pwsh processes, the first import of each"
'   {0,-46} {1,8:F1}' -f 'provider module', (Get-Median $cold.Provider)
'   {0,-46} {1,8:F1}' -f 'step module (imports the provider)', (Get-Median $cold.Steps)
'   {0,-46} {1,8:F1}' -f 'an empty one-function module (engine floor)', (Get-Median $cold.Floor)
'   {0,-46} {1,8:F1}' -f 'provider''s own share (provider - floor)', ((Get-Median $cold.Provider) - (Get-Median $cold.Floor))
"   warm: median of $warmImports fresh runspaces in this process"
'   {0,-46} {1,8:F1}' -f 'provider module', (Get-Median $warm)
''

# 3. Memory: managed heap and resident set before and after many calls (full GC first).
function Get-MemoryPoint {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $process.Refresh()
    [pscustomobject]@{ Managed = [GC]::GetTotalMemory($true) / 1MB; Rss = $process.WorkingSet64 / 1MB }
}
function Invoke-Calls([int] $Count) {
    for ($i = 0; $i -lt $Count; $i++) { $null = $p.StartSyncCycle('Delta', $session); $null = $p.GetSyncCycleState($session) }
}
Invoke-Calls $memWarmup
$before = Get-MemoryPoint
Invoke-Calls $memCalls
$after = Get-MemoryPoint
Invoke-Calls $memCalls
$again = Get-MemoryPoint
"3. Memory over $((2 * $memCalls).ToString('N0')) calls ($($memCalls.ToString('N0')) each method; after $($memWarmup.ToString('N0')) warm-up and a full GC; MiB)"
'   {0,-22} {1,10} {2,10} {3,10} {4,24}' -f 'measure', 'before', 'after', 'growth', 'growth in a 2nd round'
'   {0,-22} {1,10:F2} {2,10:F2} {3,10:F2} {4,24:F2}' -f 'managed heap', $before.Managed, $after.Managed, ($after.Managed - $before.Managed), ($again.Managed - $after.Managed)
'   {0,-22} {1,10:F2} {2,10:F2} {3,10:F2} {4,24:F2}' -f 'resident set (RSS)', $before.Rss, $after.Rss, ($after.Rss - $before.Rss), ($again.Rss - $after.Rss)
$p.Dispose()
