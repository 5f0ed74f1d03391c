using System.Collections;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>The provider object as IdLE's engine sees it (docs/provider.md, "Contracts and capabilities").</summary>
public class ProviderContractTests
{
    [Fact]
    public void Capabilities_are_exactly_the_two_directory_sync_ones()
    {
        using var engine = new Engine();
        var caps = engine.Run("(New-IdleEntraConnectDirectorySyncProvider).GetCapabilities()").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { "IdLE.DirectorySync.Trigger", "IdLE.DirectorySync.Status" }, caps);
    }

    [Theory]
    [InlineData("StartSyncCycle")]
    [InlineData("GetSyncCycleState")]
    public void Methods_are_ScriptMethods_whose_param_block_names_AuthSession(string method)
    {
        using var engine = new Engine();
        // The same inspection IdLE performs to decide whether to pass the session.
        var names = engine.Run($@"
            $m = (New-IdleEntraConnectDirectorySyncProvider).PSObject.Methods['{method}']
            if ($m -isnot [System.Management.Automation.PSScriptMethod]) {{ throw 'not a ScriptMethod' }}
            $m.Script.Ast.ParamBlock.Parameters | ForEach-Object {{ $_.Name.VariablePath.UserPath }}").Select(o => (string)o.BaseObject).ToArray();
        Assert.Contains("AuthSession", names);
        Assert.Equal("AuthSession", names.Last());
    }

    [Fact]
    public void The_module_exports_only_its_factory_and_no_interop_command()
    {
        using var engine = new Engine();
        var r = engine.Run(@"
            $exported = @(foreach ($c in (Get-Module IdLE.Provider.EntraConnectSync).ExportedCommands.Keys) { $c }) -join ','
            $cmdlet = Get-Command -Name Invoke-IdleAuthSessionCommand -ErrorAction Ignore
            [pscustomobject]@{ Exported = $exported; CmdletVisible = $null -ne $cmdlet }").Single();
        Assert.Equal("New-IdleEntraConnectDirectorySyncProvider", r.Properties["Exported"].Value);
        Assert.Equal(false, r.Properties["CmdletVisible"].Value);
    }

    [Fact]
    public void GetCapabilities_takes_no_session()
    {
        using var engine = new Engine();
        var count = engine.Value("$m = (New-IdleEntraConnectDirectorySyncProvider).PSObject.Methods['GetCapabilities']; @($m.Script.Ast.ParamBlock).Where({ $null -ne $_ }).Count");
        Assert.Equal(0, count);
    }

    [Fact]
    public void StartSyncCycle_returns_the_contract_shape_and_sends_the_normalised_policy()
    {
        using var engine = new Engine();
        var r = engine.Run(@"
            $s = New-HappySession
            $p = New-IdleEntraConnectDirectorySyncProvider
            $r = $p.StartSyncCycle.Invoke('dELTa', $s)   # positionally, the session last, as IdLE calls it
            [pscustomobject]@{
                Started = $r.Started; StartedType = $r.Started.GetType().Name
                Message = $r.Message; DetailsIsHashtable = $r.Details -is [hashtable]
                PolicyType = $r.Details.PolicyType; Accepted = $r.AcceptedAtUtc
                Command = $s.Calls[0].CommandName; SentPolicy = $s.Calls[0].Parameters['PolicyType']
                SentKeys = @($s.Calls[0].Parameters.Keys).Count; Calls = $s.Calls.Count
            }").Single();
        Assert.Equal(true, r.Properties["Started"].Value);
        Assert.Equal("Boolean", r.Properties["StartedType"].Value);
        Assert.False(string.IsNullOrWhiteSpace((string)r.Properties["Message"].Value));
        Assert.Equal(true, r.Properties["DetailsIsHashtable"].Value);
        Assert.Equal("Delta", r.Properties["PolicyType"].Value);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", (string)r.Properties["Accepted"].Value);
        Assert.Equal("Start-ADSyncSyncCycle", r.Properties["Command"].Value);
        Assert.Equal("Delta", r.Properties["SentPolicy"].Value);
        Assert.Equal(1, r.Properties["SentKeys"].Value);
        Assert.Equal(1, r.Properties["Calls"].Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GetSyncCycleState_returns_the_contract_shape_live_and_deserialized(bool deserialize)
    {
        using var engine = new Engine();
        var r = engine.Run($@"
            $s = New-HappySession -Deserialize:${deserialize}
            $r = (New-IdleEntraConnectDirectorySyncProvider).GetSyncCycleState($s)
            [pscustomobject]@{{
                InProgress = $r.InProgress; InProgressType = $r.InProgress.GetType().Name; State = $r.State
                DetailsIsHashtable = $r.Details -is [hashtable]
                Staging = $r.Details.StagingModeEnabled; Suspended = $r.Details.SchedulerSuspended
                Next = $r.Details.NextSyncCycleStartTimeInUTC; Interval = $r.Details.CurrentlyEffectiveSyncCycleInterval
                Policy = $r.Details.NextSyncCyclePolicyType
                Command = $s.Calls[0].CommandName; SentKeys = @($s.Calls[0].Parameters.Keys).Count
            }}").Single();
        Assert.Equal(false, r.Properties["InProgress"].Value);
        Assert.Equal("Boolean", r.Properties["InProgressType"].Value);
        Assert.Equal("Idle", r.Properties["State"].Value);
        Assert.Equal(true, r.Properties["DetailsIsHashtable"].Value);
        Assert.Equal(false, r.Properties["Staging"].Value);
        Assert.Equal(false, r.Properties["Suspended"].Value);
        Assert.Equal("2026-11-23T12:00:00Z", r.Properties["Next"].Value);
        Assert.Equal("00:30:00", r.Properties["Interval"].Value);
        Assert.Equal("Delta", r.Properties["Policy"].Value);
        Assert.Equal("Get-ADSyncScheduler", r.Properties["Command"].Value);
        Assert.Equal(0, r.Properties["SentKeys"].Value);
    }

    [Theory]
    [InlineData("$true", "InProgress", true)]
    [InlineData("'True'", "InProgress", true)]
    [InlineData("$false", "Idle", false)]
    [InlineData("'garbage'", "Unknown", false)]
    [InlineData("$null", "Unknown", false)]
    public void State_follows_SyncCycleInProgress_and_is_Unknown_when_unreadable(string value, string state, bool inProgress)
    {
        using var engine = new Engine();
        var r = engine.Run($@"
            $s = New-TestSession -Handlers @{{ 'Get-ADSyncScheduler' = {{ New-TestScheduler -Override @{{ SyncCycleInProgress = {value} }} }} }}
            $r = (New-IdleEntraConnectDirectorySyncProvider).GetSyncCycleState($s)
            $r.State; $r.InProgress").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { state, inProgress }, r);
    }

    [Fact]
    public void State_is_Unknown_when_SyncCycleInProgress_is_missing()
    {
        using var engine = new Engine();
        var state = engine.Value(@"
            $s = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { $o = New-TestScheduler; $o.PSObject.Properties.Remove('SyncCycleInProgress'); $o } }
            (New-IdleEntraConnectDirectorySyncProvider).GetSyncCycleState($s).State");
        Assert.Equal("Unknown", state);
    }

    [Theory]
    [InlineData("'Full'")]
    [InlineData("''")]
    [InlineData("$null")]
    [InlineData("'Unspecified'")]
    [InlineData("'Delta; Remove-Item'")]
    public void Invalid_policy_types_fail_naming_the_allowed_values_without_a_remote_call(string policy)
    {
        using var engine = new Engine();
        var f = engine.Run($@"
            $s = New-HappySession
            $p = New-IdleEntraConnectDirectorySyncProvider
            $f = Get-TestFailure {{ $p.StartSyncCycle({policy}, $s) }}
            $f; $s.Calls.Count").ToArray();
        Assert.Equal("IdLE.DirectorySync.InvalidArgument", f[0].Properties["ErrorId"].Value);
        Assert.Equal("InvalidArgument", f[0].Properties["Category"].Value);
        string inner = (string)f[0].Properties["Inner"].Value;
        Assert.Contains("PolicyType", inner);
        Assert.Contains("Delta", inner);
        Assert.Contains("Initial", inner);
        Assert.Equal(0, f[1].BaseObject);
    }

    [Theory]
    [InlineData("$null")]
    [InlineData("@{}")]
    [InlineData("'a string'")]
    [InlineData("[pscustomobject]@{ Name = 'no method' }")]
    [InlineData("@{ InvokeCommand = { 'a scriptblock in a hashtable is not a method' } }")]
    public void Sessions_without_InvokeCommand_are_rejected_with_an_actionable_message(string session)
    {
        using var engine = new Engine();
        foreach (var call in new[] { "$p.StartSyncCycle('Delta', $s)", "$p.GetSyncCycleState($s)" })
        {
            var f = engine.Run($@"
                $s = {session}
                $p = New-IdleEntraConnectDirectorySyncProvider
                Get-TestFailure {{ {call} }}").Single();
            Assert.Equal("IdLE.DirectorySync.AuthSessionInvalid", f.Properties["ErrorId"].Value);
            string message = (string)f.Properties["Message"].Value;
            Assert.Contains("InvokeCommand", message);
            Assert.Contains("AuthSessionBroker", message);
        }
    }

    [Fact]
    public void Failures_reach_the_caller_in_IdLE_method_wrapper_with_a_standalone_message()
    {
        using var engine = new Engine();
        var f = engine.Run(@"
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure { $p.StartSyncCycle('Weekly', (New-HappySession)) }").Single();
        string message = (string)f.Properties["Message"].Value;
        Assert.StartsWith("Exception calling \"StartSyncCycle\" with \"2\" argument(s): ", message);
        Assert.Contains("'Weekly'", message);
    }

    [Fact]
    public void Provider_survives_a_full_garbage_collection_between_creation_and_use()
    {
        using var engine = new Engine();
        var r = engine.Run(@"
            $p = New-IdleEntraConnectDirectorySyncProvider
            $s = New-HappySession
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            $p.StartSyncCycle('Initial', $s).Started
            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            $p.GetSyncCycleState($s).State").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { true, "Idle" }, r);
    }

    [Fact]
    public void Dispose_frees_the_native_provider_and_later_calls_fail_cleanly()
    {
        using var engine = new Engine();
        var message = engine.Value(@"
            $p = New-IdleEntraConnectDirectorySyncProvider
            $p.Dispose()
            try { $p.GetSyncCycleState((New-HappySession)); 'no error' } catch { $_.Exception.Message }");
        Assert.Contains("disposed", (string)message!, System.StringComparison.OrdinalIgnoreCase);
    }
}
