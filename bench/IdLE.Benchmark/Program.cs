// IdLE.Benchmark: prints per-call overhead, import time and memory growth of the built
// IdLE.Provider.EntraConnectSync module, hosted in the real PowerShell 7.6 engine.
// Usage: dotnet run -c Release --project bench/IdLE.Benchmark -- <modules dir>
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

internal static class Program
{
    private const int WarmupCalls = 2_000;
    private const int MeasuredCalls = 20_000;
    private const double OverheadTargetUs = 100;
    private const double ImportTargetMs = 400;
    private const int WarmImports = 10;
    private const int ColdImports = 7;
    private const int MemWarmupCalls = 5_000;
    private const int MemCallsPerMethod = 50_000;
    private const double MemTargetMiB = 2;

    // The mocked AuthSession and the provider, defined in the benchmark's own PowerShell text
    // (engine-core cmdlets only).
    private const string SessionScript = @"
$global:s = [pscustomobject]@{ PSTypeName = 'IdLE.Benchmark.AuthSession' }
$global:s.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
    param([string] $CommandName, [hashtable] $Parameters)
    if ($CommandName -eq 'Start-ADSyncSyncCycle') {
        return [pscustomobject]@{ Result = 'Success' }
    }
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
    throw ""Unexpected command '$CommandName'.""
}))
$global:p = New-IdleEntraConnectDirectorySyncProvider
";

    // Times each call individually, the floor and the measured call in turn, so that a machine
    // getting busier part-way costs both alike; returns both tick arrays.
    private const string LoopScript = @"
param([int] $Warmup, [int] $Count)
for ($i = 0; $i -lt $Warmup; $i++) { $null = __FLOOR__; $null = __CALL__ }
$floor = [long[]]::new($Count)
$call = [long[]]::new($Count)
for ($i = 0; $i -lt $Count; $i++) {
    $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
    $null = __FLOOR__
    $t1 = [System.Diagnostics.Stopwatch]::GetTimestamp()
    $null = __CALL__
    $t2 = [System.Diagnostics.Stopwatch]::GetTimestamp()
    $floor[$i] = $t1 - $t0
    $call[$i] = $t2 - $t1
}
[pscustomobject]@{ Floor = $floor; Call = $call }
";

    private const string StartFloor = "$s.InvokeCommand('Start-ADSyncSyncCycle', @{PolicyType='Delta'})";
    private const string StateFloor = "$s.InvokeCommand('Get-ADSyncScheduler', @{})";

    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == ColdImportFlag)
        {
            return ColdImportChild(args[1]);
        }
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: IdLE.Benchmark <modules dir>   (scripts/build.sh makes out/modules)");
            return 2;
        }
        string modules = Path.GetFullPath(args[0]);
        string provider = Path.Combine(modules, "IdLE.Provider.EntraConnectSync");
        string shownModules = Path.GetRelativePath(Environment.CurrentDirectory, modules);

        Console.WriteLine("IdLE.Benchmark — provider IdLE.Provider.EntraConnectSync in PowerShell "
            + typeof(PSObject).Assembly.GetName().Version + " on .NET " + Environment.Version
            + " (" + System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier + ", "
            + Environment.ProcessorCount + " CPUs)");
        Console.WriteLine("Command: bash scripts/bench.sh  (= dotnet run -c Release --project bench/IdLE.Benchmark -- "
            + shownModules + ")");
        Console.WriteLine();

        // 2. Import time: cold imports each in a fresh process, then warm ones in this one.
        string floorModule = WriteFloorModule();
        double[][] cold = ColdImportsInTurn(provider, floorModule, Path.Combine(modules, "IdLE.Steps.EntraConnectSync"));
        double coldMs = Median(cold[0]), coldFloorMs = Median(cold[1]), coldStepsMs = Median(cold[2]);
        Directory.Delete(Path.GetDirectoryName(floorModule)!, recursive: true);
        double warmMs = MeasureWarmImport(provider);

        // 1. Per-call cost.
        var rows = new List<(string Name, double Floor, double Median, double P90)>();
        using (Runspace rs = OpenRunspace())
        {
            Run(rs, $"Import-Module -Name '{provider.Replace("'", "''")}' -ErrorAction Stop");
            Run(rs, SessionScript);
            // Sanity: the provider answers as expected on this session.
            Run(rs, "if (-not $p.StartSyncCycle('Delta', $s).Started) { throw 'StartSyncCycle did not start' }; " +
                    "if ($p.GetSyncCycleState($s).State -ne 'Idle') { throw 'GetSyncCycleState not Idle' }");

            var calls = new (string Name, string Floor, string Expr)[]
            {
                ("Start  $p.StartSyncCycle",    StartFloor, "$p.StartSyncCycle('Delta', $s)"),
                ("State  $p.GetSyncCycleState", StateFloor, "$p.GetSyncCycleState($s)"),
                // Diagnostics (where the overhead goes): the interop object without the module's
                // ScriptMethod; the trampoline's capture alone, the session call in a nested
                // pipeline running the interop's cmdlet (what the provider does) or a script
                // (what it did before).
                ("diag Start  $p.Native direct",  StartFloor, "$p.Native.StartSyncCycle('Delta', $s)"),
                ("diag State  $p.Native direct",  StateFloor, "$p.Native.GetSyncCycleState($s)"),
                ("diag Start  nested, cmdlet",    StartFloor, NestedCmdlet("'Start-ADSyncSyncCycle'", "@{PolicyType='Delta'}")),
                ("diag State  nested, cmdlet",    StateFloor, NestedCmdlet("'Get-ADSyncScheduler'", "@{}")),
                ("diag Start  nested, script",    StartFloor, NestedScript("'Start-ADSyncSyncCycle'", "@{PolicyType='Delta'}")),
                ("diag State  nested, script",    StateFloor, NestedScript("'Get-ADSyncScheduler'", "@{}")),
            };
            Run(rs, "$global:cmdlet = [System.Management.Automation.CmdletInfo]::new('Invoke-IdleAuthSessionCommand', [IdLE.EntraConnect.Interop.InvokeAuthSessionCommand])");
            // Process-wide warm-up of every expression first (JIT tier-up of the engine, the
            // interop layer and the JSON paths), so the row order does not bias the figures.
            foreach (var (_, floor, expr) in calls)
            {
                Ticks(rs, floor, expr, WarmupCalls, 1);
            }
            foreach (var (name, floor, expr) in calls)
            {
                var (floorTicks, callTicks) = Ticks(rs, floor, expr, WarmupCalls, MeasuredCalls);
                rows.Add((name, Percentile(floorTicks, 0.50), Percentile(callTicks, 0.50), Percentile(callTicks, 0.90)));
            }
        }

        // 3. Memory growth.
        var mem = MeasureMemory(provider);

        // ---- Report ----
        Console.WriteLine($"1. Per-call cost ({MeasuredCalls:N0} measured calls each after {WarmupCalls:N0} warm-up; µs)");
        Console.WriteLine("   floor = the session's own InvokeCommand, timed in turn with each call; over = median - floor");
        Console.WriteLine($"   {"call",-30} {"floor",8} {"median",8} {"p90",8} {"over",8}");
        foreach (var r in rows)
        {
            Console.WriteLine($"   {r.Name,-30} {r.Floor,8:F1} {r.Median,8:F1} {r.P90,8:F1} {r.Median - r.Floor,8:F1}");
        }
        double startOver = rows[0].Median - rows[0].Floor;
        double stateOver = rows[1].Median - rows[1].Floor;
        Console.WriteLine($"   overhead StartSyncCycle    = {startOver,8:F1} µs  (target ≤ {OverheadTargetUs:F0} µs) {Verdict(startOver <= OverheadTargetUs)}");
        Console.WriteLine($"   overhead GetSyncCycleState = {stateOver,8:F1} µs  (target ≤ {OverheadTargetUs:F0} µs) {Verdict(stateOver <= OverheadTargetUs)}");
        Console.WriteLine();

        Console.WriteLine($"2. Import-Module into a fresh runspace (CreateDefault2, opened before timing; ms)");
        Console.WriteLine($"   cold: median of {ColdImports} fresh processes, the first import of each (incl. the engine's own first-import work)");
        Console.WriteLine($"   {"provider module",-44} {coldMs,8:F1}  (target ≤ {ImportTargetMs:F0}) {Verdict(coldMs <= ImportTargetMs)}");
        Console.WriteLine($"   {"diag: an empty one-function module (engine floor)",-44} {coldFloorMs,8:F1}");
        Console.WriteLine($"   {"diag: provider's own share (provider - floor)",-44} {coldMs - coldFloorMs,8:F1}");
        Console.WriteLine($"   {"diag: step module (imports the provider)",-44} {coldStepsMs,8:F1}");
        Console.WriteLine($"   warm: median of {WarmImports} fresh runspaces in one process");
        Console.WriteLine($"   {"provider module",-44} {warmMs,8:F1}  (target ≤ {ImportTargetMs:F0}) {Verdict(warmMs <= ImportTargetMs)}");
        Console.WriteLine();

        Console.WriteLine($"3. Memory over {2 * MemCallsPerMethod:N0} calls ({MemCallsPerMethod:N0} each method; after {MemWarmupCalls:N0} warm-up + full GC)");
        Console.WriteLine($"   {"measure",-26} {"before MiB",10} {"after MiB",10} {"growth MiB",10} {"",-4}   {"diag: growth in a 2nd 100k round",10}");
        PrintMem("Process.WorkingSet64", mem.Before.Ws, mem.After.Ws, mem.Again.Ws);
        PrintMem("GC.GetTotalMemory(true)", mem.Before.Gc, mem.After.Gc, mem.Again.Gc);
        if (mem.Before.Rss >= 0)
        {
            PrintMem("/proc/self/status VmRSS", mem.Before.Rss, mem.After.Rss, mem.Again.Rss);
            // The GC keeps freed segments committed for a while, and they count in RSS; what
            // is left (native core, runtime, JIT code) is where a native leak would show.
            PrintMem("diag: VmRSS - GC committed", mem.Before.Rss - mem.Before.GcCommitted,
                mem.After.Rss - mem.After.GcCommitted, mem.Again.Rss - mem.Again.GcCommitted);
        }
        Console.WriteLine($"   (target ≤ {MemTargetMiB:F0} MiB growth)");
        return 0;
    }

    private static string NestedCmdlet(string command, string parameters) =>
        "$(" +
        "$ps = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace); " +
        "try { $null = $ps.AddCommand($cmdlet).AddParameter('Session', $s).AddParameter('CommandName', " + command + ").AddParameter('Parameters', " + parameters + "); $ps.Invoke() } " +
        "finally { $ps.Dispose() })";

    private static string NestedScript(string command, string parameters) =>
        "$(" +
        "$ps = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace); " +
        "try { $null = $ps.AddScript('param($Session, $CommandName, $Parameters) $Session.InvokeCommand($CommandName, $Parameters)', $true).AddArgument($s).AddArgument(" + command + ").AddArgument(" + parameters + "); $ps.Invoke() } " +
        "finally { $ps.Dispose() })";

    private static string Verdict(bool ok) => ok ? "PASS" : "OVER";

    private static void PrintMem(string name, long before, long after, long again)
    {
        double b = before / 1048576.0, a = after / 1048576.0, g = (after - before) / 1048576.0, g2 = (again - after) / 1048576.0;
        Console.WriteLine($"   {name,-26} {b,10:F2} {a,10:F2} {g,10:F2} {Verdict(g <= MemTargetMiB),-4}   {g2,10:F2}");
    }

    private static Runspace OpenRunspace()
    {
        Runspace rs = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        rs.Open();
        return rs;
    }

    private static List<PSObject> Run(Runspace rs, string script, IDictionary<string, object>? parameters = null)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        if (parameters is not null)
        {
            foreach (var (k, v) in parameters) ps.AddParameter(k, v);
        }
        var result = ps.Invoke().ToList();
        if (ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException("Script wrote errors: " + string.Join(" | ", ps.Streams.Error));
        }
        return result;
    }

    private static (long[] Floor, long[] Call) Ticks(Runspace rs, string floor, string expr, int warmup, int count)
    {
        PSObject result = Run(rs, LoopScript.Replace("__FLOOR__", floor).Replace("__CALL__", expr),
            new Dictionary<string, object> { ["Warmup"] = warmup, ["Count"] = count }).Single();
        return ((long[])result.Properties["Floor"].Value, (long[])result.Properties["Call"].Value);
    }

    private static double Percentile(long[] ticks, double q)
    {
        long[] sorted = (long[])ticks.Clone();
        Array.Sort(sorted);
        double us(long t) => t * 1_000_000.0 / Stopwatch.Frequency;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return us(sorted[lo]) + (us(sorted[hi]) - us(sorted[lo])) * (pos - lo);
    }

    private const string ColdImportFlag = "--cold-import";

    private static string ImportScript(string module) => $"Import-Module -Name '{module.Replace("'", "''")}' -ErrorAction Stop";

    /// <summary>Child process: one import into a fresh runspace, the first in this process.</summary>
    private static int ColdImportChild(string module)
    {
        Console.WriteLine(ImportOnce(module).ToString("R", CultureInfo.InvariantCulture));
        return 0;
    }

    private static double ImportOnce(string module)
    {
        using Runspace rs = OpenRunspace();
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(ImportScript(module));
        long t0 = Stopwatch.GetTimestamp();
        ps.Invoke();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (ps.Streams.Error.Count > 0) throw new InvalidOperationException(string.Join(" | ", ps.Streams.Error));
        return ms;
    }

    /// <summary>
    /// The first import in each of <see cref="ColdImports"/> fresh processes of this program per
    /// module, the modules taken in turn so that a machine getting busier biases none of them.
    /// </summary>
    private static double[][] ColdImportsInTurn(params string[] modules)
    {
        double[][] result = modules.Select(_ => new double[ColdImports]).ToArray();
        for (int i = 0; i < ColdImports; i++)
        {
            for (int m = 0; m < modules.Length; m++)
            {
                result[m][i] = ColdImportInChild(modules[m]);
            }
        }
        return result;
    }

    private static double ColdImportInChild(string module)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }
        // RequiredModules (the step module's provider) resolve through PSModulePath.
        start.Environment["PSModulePath"] = Path.GetDirectoryName(module) + Path.PathSeparator
            + Environment.GetEnvironmentVariable("PSModulePath");
        start.ArgumentList.Add(ColdImportFlag);
        start.ArgumentList.Add(module);
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0 || !double.TryParse(output.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
        {
            throw new InvalidOperationException($"cold import of {module} failed (exit {child.ExitCode}): {output}{errors}");
        }
        return ms;
    }

    /// <summary>An empty module of the same shape (manifest, strict-mode psm1, one function): the engine's own import cost.</summary>
    private static string WriteFloorModule()
    {
        string dir = Path.Combine(Path.GetTempPath(), "idle-bench-" + Guid.NewGuid().ToString("N"), "Floor");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Floor.psm1"), "Set-StrictMode -Version Latest\nfunction Get-Floor { [CmdletBinding()] param() 'floor' }\nExport-ModuleMember -Function 'Get-Floor'\n");
        File.WriteAllText(Path.Combine(dir, "Floor.psd1"), "@{ RootModule = 'Floor.psm1'; ModuleVersion = '0.1.0'; GUID = '" + Guid.NewGuid() + "'; PowerShellVersion = '7.4'; CompatiblePSEditions = @('Core'); FunctionsToExport = @('Get-Floor'); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }\n");
        return dir;
    }

    private static double MeasureWarmImport(string provider)
    {
        ImportOnce(provider);
        return Median(Enumerable.Range(0, WarmImports).Select(_ => ImportOnce(provider)).ToArray());
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.OrderBy(x => x).ToArray();
        return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
    }

    private readonly record struct MemPoint(long Ws, long Gc, long Rss, long GcCommitted);

    // Full GC, then the managed heap, then WorkingSet64 and VmRSS read back to back.
    private static MemPoint Sample()
    {
        FullGc();
        long gc = GC.GetTotalMemory(true);
        return new MemPoint(WorkingSet(), gc, VmRss(), GC.GetGCMemoryInfo().TotalCommittedBytes);
    }

    private static (MemPoint Before, MemPoint After, MemPoint Again) MeasureMemory(string provider)
    {
        using Runspace rs = OpenRunspace();
        Run(rs, $"Import-Module -Name '{provider.Replace("'", "''")}' -ErrorAction Stop");
        Run(rs, SessionScript);
        const string loop = @"param([int] $Each)
for ($i = 0; $i -lt $Each; $i++) { $null = $p.StartSyncCycle('Delta', $s); $null = $p.GetSyncCycleState($s) }";
        Run(rs, loop, new Dictionary<string, object> { ["Each"] = MemWarmupCalls / 2 });
        MemPoint before = Sample();
        Run(rs, loop, new Dictionary<string, object> { ["Each"] = MemCallsPerMethod });
        MemPoint after = Sample();
        // Diagnostic: a second, identical round tells a plateau from a steady leak.
        Run(rs, loop, new Dictionary<string, object> { ["Each"] = MemCallsPerMethod });
        MemPoint again = Sample();
        return (before, after, again);
    }

    private static void FullGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static long WorkingSet()
    {
        using Process p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    /// <summary>VmRSS from /proc/self/status in bytes (Linux); -1 elsewhere.</summary>
    private static long VmRss()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return -1;
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kb = line.Substring(6).Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        return -1;
    }
}
