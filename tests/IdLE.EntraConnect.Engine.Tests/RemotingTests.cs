using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// Against the simulated server, with everything the provider receives shaped as PowerShell
/// remoting delivers it: deserialized objects, and errors as RemoteExceptions in the error stream.
/// </summary>
public sealed class RemotingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idle-ec-remoting-").FullName;
    private string StatePath => Path.Combine(_dir, "state.json");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Engine NewEngine(string scenario)
    {
        var engine = new Engine(importProvider: true, importSteps: true, importSimulator: true);
        engine.Run($". '{Paths.Script("RemotingSessions.ps1")}'");
        engine.Run($"Reset-ADSyncSimulator -StatePath '{StatePath}' {scenario}");
        return engine;
    }

    private const string Fast = "-StepSeconds 0.3 -GapSeconds 0.1 -StartLagSeconds 0.3 -AutoSchedulerCycles $false";

    [Fact]
    public void Deserialized_scheduler_and_start_result_parse()
    {
        using var engine = NewEngine(Fast);
        var r = engine.Run(@"
            $s = New-RemotingShapedSession
            $p = New-IdleEntraConnectDirectorySyncProvider
            $raw = $s.InvokeCommand('Get-ADSyncScheduler', @{})
            $before = $p.GetSyncCycleState($s)
            $start = $p.StartSyncCycle('Delta', $s)
            [pscustomobject]@{
                RawType = $raw.PSObject.TypeNames[0]; State = $before.State; InProgress = $before.InProgress
                Interval = $before.Details.AllowedSyncCycleInterval; Next = $before.Details.NextSyncCycleStartTimeInUTC
                Started = $start.Started
            }").Single();
        Assert.StartsWith("Deserialized.Microsoft.IdentityManagement.PowerShell.ObjectModel.", (string)r.Properties["RawType"].Value);
        Assert.Equal("Idle", r.Properties["State"].Value);
        Assert.Equal(false, r.Properties["InProgress"].Value);
        Assert.Equal("00:30:00", r.Properties["Interval"].Value);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", (string)r.Properties["Next"].Value);
        Assert.Equal(true, r.Properties["Started"].Value);
    }

    [Theory]
    [InlineData("-ForceBusy $true", "IdLE.DirectorySync.CycleBusy")]
    [InlineData("-NoRights $true", "IdLE.DirectorySync.PermissionDenied")]
    [InlineData("-ModuleMissing $true", "IdLE.DirectorySync.ADSyncUnavailable")]
    public void Server_errors_delivered_by_remoting_are_classified(string scenario, string errorId)
    {
        using var engine = NewEngine(Fast + " " + scenario);
        var id = engine.Value(@"
            $p = New-IdleEntraConnectDirectorySyncProvider
            (Get-TestFailure { $p.StartSyncCycle('Delta', (New-RemotingShapedSession)) }).ErrorId");
        Assert.Equal(errorId, id);
    }

    [Fact]
    public void A_second_trigger_while_a_cycle_runs_is_busy_not_success()
    {
        using var engine = NewEngine("-StepSeconds 5 -StartLagSeconds 0.2 -AutoSchedulerCycles $false");
        var r = engine.Run(@"
            $s = New-RemotingShapedSession
            $p = New-IdleEntraConnectDirectorySyncProvider
            $p.StartSyncCycle('Delta', $s).Started
            (Get-TestFailure { $p.StartSyncCycle('Delta', $s) }).ErrorId").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { true, "IdLE.DirectorySync.CycleBusy" }, r);
    }

    private static PSObject RunStep(Engine engine, string with)
    {
        return engine.Run($@"
            $ctx = New-TestContext -Session (New-RemotingShapedSession) -Providers @{{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }}
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $result = Invoke-IdleStepTriggerDirectorySync -Context $ctx -Step @{{ Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'; With = @{{ {with} }} }}
            [pscustomobject]@{{
                Status = $result.Status; Changed = $result.Changed; StartObserved = $result.Data.startObserved
                Warnings = @($result.Data.warnings).Count; Seconds = $watch.Elapsed.TotalSeconds
                Types = [string[]] @($ctx.Events | ForEach-Object {{ $_.Type }})
                History = @(Get-ADSyncRunProfileResult).Count
            }}").Single();
    }

    [Fact]
    public void A_full_trigger_and_wait_completes_with_the_start_observed()
    {
        using var engine = NewEngine(Fast);
        var r = RunStep(engine, "AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60");
        Assert.Equal("Completed", r.Properties["Status"].Value);
        Assert.Equal(true, r.Properties["Changed"].Value);
        Assert.Equal(true, r.Properties["StartObserved"].Value);
        Assert.Equal(0, r.Properties["Warnings"].Value);
        var types = (string[])r.Properties["Types"].Value;
        Assert.Equal(new[] { "DirectorySyncTriggered", "DirectorySyncWaiting" }, types.Take(2));
        Assert.Equal("DirectorySyncCompleted", types.Last());
        Assert.All(types.Skip(2).SkipLast(1), t => Assert.Equal("DirectorySyncPoll", t));
        // Two connectors, three profiles each: the whole cycle ran before the step said done.
        Assert.Equal(6, r.Properties["History"].Value);
    }

    [Fact]
    public void A_start_lag_longer_than_a_poll_causes_no_false_completion()
    {
        using var engine = NewEngine("-StepSeconds 0.3 -GapSeconds 0.1 -StartLagSeconds 3.5 -AutoSchedulerCycles $false");
        var r = RunStep(engine, "AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60");
        Assert.Equal("Completed", r.Properties["Status"].Value);
        Assert.Equal(true, r.Properties["StartObserved"].Value);
        Assert.True((double)r.Properties["Seconds"].Value >= 3.5, "completed before the cycle could have run");
        Assert.Equal(6, r.Properties["History"].Value);
    }

    [Fact]
    public void Two_processes_sharing_one_state_file_see_one_server()
    {
        using var engine = NewEngine("-StepSeconds 5 -StartLagSeconds 0 -AutoSchedulerCycles $false");
        // Another process triggers a cycle on the same server (found through the environment variable).
        var host = Path.Combine(Paths.RepoRoot, "out", "host", "IdLE.ConsoleHost.dll");
        Assert.True(File.Exists(host), "scripts/build.sh builds the console host into out/host");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { host, "-Command", $"Import-Module '{Paths.Simulator}'; (Start-ADSyncSyncCycle -PolicyType Delta).Result" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["IDLE_ADSYNC_SIM_STATE"] = StatePath;
        using (var process = Process.Start(start)!)
        {
            string output = process.StandardOutput.ReadToEnd();
            string errors = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000));
            Assert.True(process.ExitCode == 0, output + errors);
            Assert.Contains("Success", output);
        }
        // This process sees that cycle running, and its own trigger is refused as busy.
        var r = engine.Run(@"
            $s = New-RemotingShapedSession
            $p = New-IdleEntraConnectDirectorySyncProvider
            $p.GetSyncCycleState($s).State
            (Get-TestFailure { $p.StartSyncCycle('Delta', $s) }).ErrorId").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { "InProgress", "IdLE.DirectorySync.CycleBusy" }, r);
    }
}
