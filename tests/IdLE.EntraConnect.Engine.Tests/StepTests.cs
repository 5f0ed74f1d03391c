using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// The step handler Invoke-IdleStepTriggerDirectorySync as IdLE's engine calls it: an
/// IdLE-shaped context (Scripts/StepHelpers.ps1), scripted providers for most paths and the
/// real provider against the simulated server for the end-to-end ones.
/// </summary>
public sealed class StepTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idle-ec-step-").FullName;
    private string StatePath => Path.Combine(_dir, "state.json");

    private const string Fast = "-StepSeconds 0.3 -GapSeconds 0.1 -StartLagSeconds 0.3 -AutoSchedulerCycles $false";

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static Engine NewEngine()
    {
        var engine = new Engine(importProvider: true, importSteps: true, importSimulator: true);
        engine.Run(". '" + Paths.Script("StepHelpers.ps1") + "'");
        return engine;
    }

    private Engine NewSimulatorEngine(string scenario)
    {
        var engine = NewEngine();
        engine.Run("Reset-ADSyncSimulator -StatePath '" + StatePath + "' " + Fast + " " + scenario);
        return engine;
    }

    private static object? P(PSObject o, string name) => o.Properties[name]?.Value is PSObject p ? p.BaseObject : o.Properties[name]?.Value;

    private static PSObject Single(Engine engine, string script) => engine.Run(script).Single();

    // ---------------------------------------------------------------- 1. metadata

    [Fact]
    public void Metadata_catalog_names_the_type_capabilities_and_with_schema()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $c = Get-IdleStepMetadataCatalog
            $e = $c['IdLE.Step.TriggerDirectorySync']
            [pscustomobject]@{
                IsHashtable = $c -is [hashtable]
                Keys = @($c.Keys) -join ','
                Caps = @($e.RequiredCapabilities) -join ','
                Required = @($e.WithSchema.RequiredKeys) -join ','
                Optional = @($e.WithSchema.OptionalKeys) -join ','
            }");
        Assert.Equal(true, P(r, "IsHashtable"));
        Assert.Equal("IdLE.Step.TriggerDirectorySync", P(r, "Keys"));
        Assert.Equal("IdLE.DirectorySync.Trigger,IdLE.DirectorySync.Status", P(r, "Caps"));
        Assert.Equal("AuthSessionName,PolicyType", P(r, "Required"));
        var optional = ((string)P(r, "Optional")!).Split(',');
        foreach (var key in new[] { "Provider", "Wait", "TimeoutSeconds", "PollIntervalSeconds", "AuthSessionOptions", "StartGraceSeconds", "WaitForRunningCycle" })
        {
            Assert.Contains(key, optional);
        }
    }

    // ---------------------------------------------------------------- 2. validation

    [Theory]
    [InlineData("'not-a-hashtable'", "With")]
    [InlineData("@{ PolicyType = 'Delta' }", "AuthSessionName")]
    [InlineData("@{ AuthSessionName = 'EC' }", "PolicyType")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Full' }", "PolicyType")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; TimeoutSeconds = 0 }", "TimeoutSeconds")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; TimeoutSeconds = -5 }", "TimeoutSeconds")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; TimeoutSeconds = 100000 }", "TimeoutSeconds")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; TimeoutSeconds = 'abc' }", "TimeoutSeconds")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; PollIntervalSeconds = 0 }", "PollIntervalSeconds")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Foo = 1 }", "Foo")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Code = { 'x' } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Outer = @{ List = @(1, { 'x' }) } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = [pscustomobject]@{ On = { 'x' } } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Outer = [pscustomobject]@{ Inner = [pscustomobject]@{ List = @(1, { 'x' }) } } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = & { $o = [pscustomobject]@{}; $o.PSObject.Properties.Add([psscriptproperty]::new('P', { 'x' })); $o } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Bag = & { $o = [pscustomobject]@{}; $o.PSObject.Methods.Add([psscriptmethod]::new('M', { 'x' })); $o } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = @{ Table = & { $t = @{ A = 1 }; $t.PSObject.Properties.Add([psscriptproperty]::new('P', { 'x' })); $t } } }", "AuthSessionOptions")]
    [InlineData("@{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Provider = 'NoSuchAlias' }", "NoSuchAlias")]
    public void Invalid_with_fails_naming_the_key_before_any_session_or_provider_call(string with, string named)
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With (" + with + @")
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                ErrorId = if ($r.Error) { $r.Error.FullyQualifiedErrorId } else { $null }
                Message = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Types = $r.Types -join ','
                Output = $r.Output.Count
                Acquired = $ctx.Acquired.Count
                ProviderCalls = $p.Calls.Count
            }");
        Assert.Equal(true, P(r, "HasError"));
        Assert.StartsWith("IdLE.DirectorySync.InvalidArgument", (string)P(r, "ErrorId")!);
        Assert.Contains(named, (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncFailed", P(r, "Types"));
        Assert.Equal(0, P(r, "Output"));
        Assert.Equal(0, P(r, "Acquired"));
        Assert.Equal(0, P(r, "ProviderCalls"));
    }

    [Fact]
    public void Provider_missing_StartSyncCycle_fails_naming_the_method()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = [pscustomobject]@{ Calls = [System.Collections.Generic.List[object]]::new() }
            $p.PSObject.Members.Add([psscriptmethod]::new('GetSyncCycleState', { param($AuthSession) $this.Calls.Add('GetSyncCycleState'); @{ InProgress = $false; State = 'Idle'; Details = $null } }))
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true }
            [pscustomobject]@{
                ErrorId = $r.Error.FullyQualifiedErrorId; Message = $r.Error.Exception.Message
                Types = $r.Types -join ','; Acquired = $ctx.Acquired.Count; ProviderCalls = $p.Calls.Count
            }");
        Assert.StartsWith("IdLE.DirectorySync.InvalidArgument", (string)P(r, "ErrorId")!);
        Assert.Contains("StartSyncCycle", (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncFailed", P(r, "Types"));
        Assert.Equal(0, P(r, "Acquired"));
        Assert.Equal(0, P(r, "ProviderCalls"));
    }

    [Fact]
    public void Default_provider_alias_missing_fails_naming_the_alias()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ Other = New-ScriptedProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }
            [pscustomobject]@{ ErrorId = $r.Error.FullyQualifiedErrorId; Message = $r.Error.Exception.Message; Types = $r.Types -join ','; Acquired = $ctx.Acquired.Count }");
        Assert.StartsWith("IdLE.DirectorySync.InvalidArgument", (string)P(r, "ErrorId")!);
        Assert.Contains("'DirectorySync'", (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncFailed", P(r, "Types"));
        Assert.Equal(0, P(r, "Acquired"));
    }

    // ---------------------------------------------------------------- 3. trigger only

    [Fact]
    public void Trigger_without_wait_returns_one_step_result_and_two_events()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'delta' } -Name 'My sync'
            $o = $r.Output[0]
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                Count = $r.Output.Count
                IsResult = $o.PSObject.TypeNames -contains 'IdLE.StepResult'
                Status = $o.Status; Changed = $o.Changed; ErrorIsNull = $null -eq $o.Error
                Name = $o.Name; Type = $o.Type
                Types = $r.Types -join ','
                StepNames = @(foreach ($e in $r.Events) { $e.StepName }) -join ','
                Waited = $o.Data.waited
                Acquired = $ctx.Acquired.Count; AcquiredName = $ctx.Acquired[0].Name
                Calls = @(foreach ($c in $p.Calls) { $c.Method }) -join ','
                Policy = $p.Calls[0].PolicyType
            }");
        Assert.Equal(false, P(r, "HasError"));
        Assert.Equal(1, P(r, "Count"));
        Assert.Equal(true, P(r, "IsResult"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal(true, P(r, "Changed"));
        Assert.Equal(true, P(r, "ErrorIsNull"));
        Assert.Equal("My sync", P(r, "Name"));
        Assert.Equal("IdLE.Step.TriggerDirectorySync", P(r, "Type"));
        Assert.Equal("DirectorySyncTriggered,DirectorySyncCompleted", P(r, "Types"));
        Assert.Equal("My sync,My sync", P(r, "StepNames"));
        Assert.Equal(false, P(r, "Waited"));
        Assert.Equal(1, P(r, "Acquired"));
        Assert.Equal("EC", P(r, "AcquiredName"));
        Assert.Equal("StartSyncCycle", P(r, "Calls"));
        Assert.Equal("Delta", (string?)P(r, "Policy"), ignoreCase: true);
    }

    // ---------------------------------------------------------------- 4. simulator wait

    [Fact]
    public void Trigger_and_wait_with_the_real_provider_against_the_simulator()
    {
        using var engine = NewSimulatorEngine("");
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 }
            $polls = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncPoll') { $e } })
            $pollsOk = $true
            foreach ($e in $polls) { if (-not ($e.Data.ContainsKey('attempt') -and $e.Data.ContainsKey('state'))) { $pollsOk = $false } }
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Count = $r.Output.Count
                Status = $r.Output[0].Status
                StartObserved = $r.Output[0].Data.startObserved
                Types = $r.Types -join ','
                Polls = $polls.Count
                PollsOk = $pollsOk
                History = @(Get-ADSyncRunProfileResult -NumberRequested 50).Count
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal(1, P(r, "Count"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal(true, P(r, "StartObserved"));
        var types = ((string)P(r, "Types")!).Split(',');
        Assert.True(types.Length >= 4, string.Join(",", types));
        Assert.Equal(new[] { "DirectorySyncTriggered", "DirectorySyncWaiting", "DirectorySyncPoll" }, types.Take(3));
        Assert.Equal("DirectorySyncCompleted", types.Last());
        Assert.All(types.Skip(3).Take(types.Length - 4), t => Assert.Equal("DirectorySyncPoll", t));
        Assert.True((int)P(r, "Polls")! >= 1);
        Assert.Equal(true, P(r, "PollsOk"));
        Assert.True((int)P(r, "History")! >= 1, "the simulated server ran no profile");
    }

    // ---------------------------------------------------------------- 5. scripted provider

    [Fact]
    public void Scripted_provider_with_AuthSession_parameters_completes_a_wait()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider -States 'Idle', 'InProgress', 'InProgress', 'Idle'
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status; StartObserved = $r.Output[0].Data.startObserved
                Types = $r.Types -join ','
                Calls = @(foreach ($c in $p.Calls) { $c.Method }) -join ','
                AllGotSession = @(foreach ($c in $p.Calls) { if (-not $c.GotSession) { $c } }).Count -eq 0
                Extra = @(foreach ($c in $p.Calls) { $c.ArgCount }) -join ','
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal(true, P(r, "StartObserved"));
        Assert.Equal("DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncPoll,DirectorySyncPoll,DirectorySyncPoll,DirectorySyncCompleted", P(r, "Types"));
        Assert.Equal("GetSyncCycleState,StartSyncCycle,GetSyncCycleState,GetSyncCycleState,GetSyncCycleState", P(r, "Calls"));
        Assert.Equal(true, P(r, "AllGotSession"));
        Assert.Equal("0,0,0,0,0", P(r, "Extra"));
    }

    [Fact]
    public void Provider_methods_without_an_AuthSession_parameter_receive_no_session()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider -NoAuthSession -States 'Idle', 'InProgress', 'Idle'
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Initial'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status
                Calls = @(foreach ($c in $p.Calls) { $c.Method }) -join ','
                Extra = @(foreach ($c in $p.Calls) { $c.ArgCount }) -join ','
                Policy = $p.Calls[1].PolicyType
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal("GetSyncCycleState,StartSyncCycle,GetSyncCycleState,GetSyncCycleState", P(r, "Calls"));
        Assert.Equal("0,0,0,0", P(r, "Extra"));
        Assert.Equal("Initial", P(r, "Policy"));
    }

    // ---------------------------------------------------------------- 6. timeout

    [Fact]
    public void A_cycle_that_never_ends_times_out_naming_the_timeout_and_last_state()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'InProgress' }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 2 }
            $failed = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncFailed') { $e } })
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                ErrorId = $r.Error.FullyQualifiedErrorId
                Message = $r.Error.Exception.Message
                Transient = $r.Error.Exception.Data['Idle.IsTransient']
                Failed = $failed.Count
                FailedClass = $failed[0].Data['class']
                Last = $r.Types[-1]
                Output = $r.Output.Count
            }");
        Assert.Equal(true, P(r, "HasError"));
        Assert.StartsWith("IdLE.DirectorySync.Timeout", (string)P(r, "ErrorId")!);
        var message = (string)P(r, "Message")!;
        Assert.Contains("Timeout", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("2", message);
        Assert.Contains("InProgress", message);
        Assert.Equal(true, P(r, "Transient"));
        Assert.Equal(1, P(r, "Failed"));
        Assert.Equal("Timeout", P(r, "FailedClass"));
        Assert.Equal("DirectorySyncFailed", P(r, "Last"));
        Assert.Equal(0, P(r, "Output"));
    }

    // ---------------------------------------------------------------- 7. busy

    [Fact]
    public void Busy_server_at_trigger_fails_CycleBusy()
    {
        using var engine = NewSimulatorEngine("-ForceBusy $true");
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 10 }
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                ErrorId = $r.Error.FullyQualifiedErrorId
                Message = $r.Error.Exception.Message
                Types = $r.Types -join ','
                Class = $r.Events[-1].Data['class']
            }");
        Assert.Equal(true, P(r, "HasError"));
        Assert.StartsWith("IdLE.DirectorySync.CycleBusy", (string)P(r, "ErrorId")!);
        Assert.Contains("busy", (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncFailed", P(r, "Types"));
        Assert.Equal("CycleBusy", P(r, "Class"));
    }

    [Fact]
    public void WaitForRunningCycle_waits_for_the_busy_cycle_and_triggers_again()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider -Triggers 'busy', 'ok' -States 'Idle'
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; WaitForRunningCycle = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status
                TriggerAttempts = $r.Output[0].Data.triggerAttempts
                Starts = @(foreach ($c in $p.Calls) { if ($c.Method -eq 'StartSyncCycle') { $c } }).Count
                Types = $r.Types -join ','
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal(2L, Convert.ToInt64(P(r, "TriggerAttempts")));
        Assert.Equal(2, P(r, "Starts"));
        var types = ((string)P(r, "Types")!).Split(',');
        Assert.Equal("DirectorySyncTriggered", types[^2]);
        Assert.Equal("DirectorySyncCompleted", types[^1]);
        Assert.DoesNotContain("DirectorySyncFailed", types);
    }

    // ---------------------------------------------------------------- 8. scheduler states

    [Fact]
    public void Suspended_scheduler_fails_SchedulerSuspended()
    {
        using var engine = NewSimulatorEngine("-SchedulerSuspended $true");
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 10 }
            $failed = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncFailed') { $e } })
            [pscustomobject]@{ HasError = $null -ne $r.Error; ErrorId = $r.Error.FullyQualifiedErrorId; Failed = $failed.Count; Output = $r.Output.Count }");
        Assert.Equal(true, P(r, "HasError"));
        Assert.StartsWith("IdLE.DirectorySync.SchedulerSuspended", (string)P(r, "ErrorId")!);
        Assert.Equal(1, P(r, "Failed"));
        Assert.Equal(0, P(r, "Output"));
    }

    [Fact]
    public void Staging_mode_completes_with_a_StagingModeEnabled_warning()
    {
        using var engine = NewSimulatorEngine("-StagingMode $true");
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 }
            $completed = $r.Events[-1]
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status
                ResultWarnings = @(foreach ($w in @($r.Output[0].Data.warnings)) { $w.code }) -join ','
                StagingMode = $r.Output[0].Data.stagingMode
                LastType = $completed.Type
                EventWarnings = @($completed.Data['warnings']) -join ','
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Contains("StagingModeEnabled", ((string)P(r, "ResultWarnings")!).Split(','));
        Assert.Equal(true, P(r, "StagingMode"));
        Assert.Equal("DirectorySyncCompleted", P(r, "LastType"));
        Assert.Contains("StagingModeEnabled", ((string)P(r, "EventWarnings")!).Split(','));
    }

    [Fact]
    public void Options_that_are_data_in_property_bags_reach_the_broker()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $options = @{ Server = [pscustomobject]@{ Name = 'ec01'; Port = 5986; Since = [datetime]::UtcNow; Tags = @('a', 'b') } }
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $options }
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Server = $ctx.Acquired[0].Options['Server'].Name
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("ec01", P(r, "Server"));
    }

    // ---------------------------------------------------------------- 9. secrets

    [Theory]
    [InlineData("'ok'")]
    [InlineData("'throw:The server refused the call.'")]
    public void Session_options_reach_the_broker_and_never_an_event_or_error(string trigger)
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ss = [System.Security.SecureString]::new()
            foreach ($c in 'S3cr3t!'.ToCharArray()) { $ss.AppendChar($c) }
            $options = @{ Credential = [pscredential]::new('alice', $ss); Password = 'P@ssw0rd-Do-Not-Leak' }
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -Triggers " + trigger + @" }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; AuthSessionOptions = $options }
            $texts = [System.Collections.Generic.List[string]]::new()
            foreach ($e in $r.Events) {
                $texts.Add($e.Message)
                $texts.Add([System.Management.Automation.PSSerializer]::Serialize($e.Data, 10))
            }
            if ($r.Error) {
                $texts.Add($r.Error.ToString())
                $texts.Add($r.Error.Exception.Message)
                $texts.Add([System.Management.Automation.PSSerializer]::Serialize($r.Error.Exception.Data, 10))
                if ($r.Error.ErrorDetails) { $texts.Add($r.Error.ErrorDetails.Message) }
            }
            $all = $texts -join [System.Environment]::NewLine
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                Events = $r.Events.Count
                LeaksPassword = $all.Contains('P@ssw0rd-Do-Not-Leak')
                LeaksSecure = $all.Contains('S3cr3t!')
                Acquired = $ctx.Acquired.Count
                GotPassword = $ctx.Acquired[0].Options['Password'] -eq 'P@ssw0rd-Do-Not-Leak'
                GotUser = $ctx.Acquired[0].Options['Credential'].UserName
                GotSecure = $ctx.Acquired[0].Options['Credential'].GetNetworkCredential().Password -eq 'S3cr3t!'
            }");
        Assert.Equal(trigger != "'ok'", P(r, "HasError"));
        Assert.True((int)P(r, "Events")! >= 1);
        Assert.Equal(false, P(r, "LeaksPassword"));
        Assert.Equal(false, P(r, "LeaksSecure"));
        Assert.Equal(1, P(r, "Acquired"));
        Assert.Equal(true, P(r, "GotPassword"));
        Assert.Equal("alice", P(r, "GotUser"));
        Assert.Equal(true, P(r, "GotSecure"));
    }

    [Fact]
    public void The_sessions_text_never_reaches_an_event_or_error_through_a_provider_that_mistypes_it()
    {
        // A provider declaring [hashtable] $AuthSession fails in PowerShell's conversion, whose
        // message quotes the session's text: @{Server=ec01; Token=...}.
        using var engine = NewEngine();
        var r = Single(engine, @"
            $session = [pscustomobject]@{ Server = 'ec01'; Token = 'tok-SECRET-123' }
            $session.PSObject.Methods.Add([psscriptmethod]::new('InvokeCommand', { param($CommandName, $Parameters) }))
            $p = [pscustomobject]@{}
            $p.PSObject.Methods.Add([psscriptmethod]::new('StartSyncCycle', { param([string] $PolicyType, [hashtable] $AuthSession) 'unreachable' }))
            $p.PSObject.Methods.Add([psscriptmethod]::new('GetSyncCycleState', { param([hashtable] $AuthSession) 'unreachable' }))
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p } -Session $session
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 5 }
            $texts = [System.Collections.Generic.List[string]]::new()
            foreach ($e in $r.Events) {
                $texts.Add($e.Message)
                foreach ($v in $e.Data.Values) { $texts.Add([string] $v) }
            }
            $texts.Add($r.Error.Exception.Message)
            $texts.Add($r.Error.ToString())
            $texts.Add([string] $r.Error.Exception.RemoteMessage)
            $texts.Add([string] $r.Error.Exception.FailureJson)
            [pscustomobject]@{
                HasError = $null -ne $r.Error
                Leaks = @(foreach ($t in $texts) { if ($t -like '*tok-SECRET-123*') { $t } }).Count
                Redacted = @(foreach ($t in $texts) { if ($t.Contains('[redacted]')) { $t } }).Count
            }");
        Assert.Equal(true, P(r, "HasError"));
        Assert.Equal(0, P(r, "Leaks"));
        Assert.True((int)P(r, "Redacted")! > 0, "the conversion error no longer quotes the session");
    }

    // ---------------------------------------------------------------- 10. stop

    [Fact]
    public void Stopping_the_pipeline_ends_a_wait_promptly_with_a_Cancelled_event()
    {
        using var engine = NewEngine();
        engine.Run(@"
            $global:StopContext = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'InProgress' }");
        using (PowerShell ps = PowerShell.Create())
        {
            ps.Runspace = engine.Runspace;
            ps.AddScript(@"Invoke-IdleStepTriggerDirectorySync -Context $global:StopContext -Step @{
                Name = 'Stop me'; Type = 'IdLE.Step.TriggerDirectorySync'
                With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 5; TimeoutSeconds = 60 } }");
            IAsyncResult pending = ps.BeginInvoke();
            System.Threading.Thread.Sleep(1500);
            Assert.False(pending.IsCompleted, "the step ended before it was stopped");
            var watch = Stopwatch.StartNew();
            ps.Stop();
            watch.Stop();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "Stop() took " + watch.Elapsed);
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        }
        var r = Single(engine, @"
            $failed = @(foreach ($e in $global:StepTestEvents) { if ($e.Type -eq 'DirectorySyncFailed') { $e } })
            [pscustomobject]@{
                Types = @(foreach ($e in $global:StepTestEvents) { $e.Type }) -join ','
                Failed = $failed.Count
                Class = if ($failed.Count) { $failed[0].Data['class'] } else { $null }
            }");
        Assert.Equal("DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncFailed", P(r, "Types"));
        Assert.Equal(1, P(r, "Failed"));
        Assert.Equal("Cancelled", P(r, "Class"));
        Assert.Equal(RunspaceAvailability.Available, engine.Runspace.RunspaceAvailability);
        Assert.Equal(2, engine.Value("1 + 1"));
    }

    [Theory]
    // A stop that unwound through the provider's ScriptMethod before the step's pipeline was
    // flagged as stopping arrives as "Exception calling ..." around the stop (a real race of
    // PowerShell.Stop(), made deterministic here): it must end the step as cancelled, never be
    // classified as a failure of the server or retried as a transient one.
    [InlineData("-Providers @{ DirectorySync = New-ScriptedProvider -Triggers 'stopped' }",
        "DirectorySyncFailed", "GetSyncCycleState,StartSyncCycle")]
    [InlineData("-Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'stopped' }",
        "DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncFailed", "GetSyncCycleState,StartSyncCycle,GetSyncCycleState")]
    [InlineData("-Providers @{ DirectorySync = New-ScriptedProvider } -AcquireStops", "", "")]
    public void A_stop_wrapped_by_a_ScriptMethod_cancels_the_step(string contextArguments, string expectedTypes, string expectedCalls)
    {
        using var engine = NewEngine();
        engine.Run("$global:StopContext = New-StepTestContext " + contextArguments);
        AssertTheStepStopsCleanly(engine);
        var r = Single(engine, @"
            $failed = @(foreach ($e in $global:StepTestEvents) { if ($e.Type -eq 'DirectorySyncFailed') { $e } })
            [pscustomobject]@{
                Types = @(foreach ($e in $global:StepTestEvents) { $e.Type }) -join ','
                Classes = @(foreach ($e in $failed) { $e.Data['class'] }) -join ','
                Calls = @(foreach ($c in $global:StopContext.Providers['DirectorySync'].Calls) { $c.Method }) -join ','
            }");
        Assert.Equal(expectedTypes, P(r, "Types"));
        Assert.Equal(expectedCalls, P(r, "Calls"));
        Assert.Equal(expectedTypes.Contains("Failed") ? "Cancelled" : "", P(r, "Classes"));
    }

    // ---------------------------------------------------------------- 10b. odd providers and hosts

    [Theory]
    [InlineData("null", "nothing")]
    [InlineData("two", "2 objects")]
    public void A_trigger_answering_other_than_one_object_is_an_unexpected_response(string trigger, string said)
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -Triggers '" + trigger + @"' }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta' }
            [pscustomobject]@{
                ErrorId = $r.Error.FullyQualifiedErrorId
                Message = $r.Error.Exception.Message
                Types = $r.Types -join ','
            }");
        Assert.StartsWith("IdLE.DirectorySync.UnexpectedResponse", (string)P(r, "ErrorId")!);
        Assert.Contains("StartSyncCycle returned " + said, (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncFailed", P(r, "Types"));
    }

    [Theory]
    // Without a baseline the first read after the trigger is the reference: the idle read is confirmed.
    [InlineData("'null', 'InProgress', 'Idle'", "False,False,False")]
    [InlineData("'Idle', 'two', 'InProgress', 'Idle'", "True,False,False")]
    public void A_state_answering_other_than_one_object_is_a_failed_poll_that_is_retried(string states, string failedFlags)
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States " + states + @" }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            $polls = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncPoll') { $e } })
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status
                Failed = @(foreach ($e in $polls) { [bool] $e.Data['failed'] }) -join ','
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal(failedFlags, P(r, "Failed"));
    }

    [Fact]
    public void An_event_sink_that_throws_fails_the_step_as_internal_not_as_cancelled()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'Idle' }
            $ctx.EventSink.PSObject.Methods.Remove('WriteEvent')
            $ctx.EventSink.PSObject.Methods.Add([psscriptmethod]::new('WriteEvent', {
                        param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                        if ($Type -eq 'DirectorySyncPoll') { throw 'sink down' }
                        $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                    }))
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            [pscustomobject]@{
                ErrorId = $r.Error.FullyQualifiedErrorId
                Message = $r.Error.Exception.Message
                Types = $r.Types -join ','
                Classes = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncFailed') { $e.Data['class'] } }) -join ','
            }");
        Assert.StartsWith("IdLE.DirectorySync.InternalError", (string)P(r, "ErrorId")!);
        Assert.Contains("sink down", (string)P(r, "Message")!);
        Assert.Equal("DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncFailed", P(r, "Types"));
        Assert.Equal("Internal", P(r, "Classes"));
    }

    /// <summary>Runs the step over $global:StopContext in a pipeline of its own, which must end Stopped, silently.</summary>
    private static void AssertTheStepStopsCleanly(Engine engine)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = engine.Runspace;
        ps.AddScript(@"Invoke-IdleStepTriggerDirectorySync -Context $global:StopContext -Step @{
            Name = 'Stopped'; Type = 'IdLE.Step.TriggerDirectorySync'
            With = @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 60 } }");
        Assert.Empty(ps.Invoke());
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Empty(ps.Streams.Error);
    }

    [Fact]
    public void A_stop_that_an_event_sinks_method_wraps_cancels_the_step()
    {
        using var engine = NewEngine();
        engine.Run(@"
            $global:StopContext = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress' }
            $global:StopContext.EventSink.PSObject.Methods.Remove('WriteEvent')
            $global:StopContext.EventSink.PSObject.Methods.Add([psscriptmethod]::new('WriteEvent', {
                        param([string] $Type, [string] $Message, [string] $StepName, [hashtable] $Data)
                        $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                        if ($Type -eq 'DirectorySyncPoll') { throw (New-WrappedStop -Method 'WriteEvent') }
                    }))");
        AssertTheStepStopsCleanly(engine);
        Assert.Equal("Cancelled", engine.Value(@"
            @(foreach ($e in $global:StepTestEvents) { if ($e.Type -eq 'DirectorySyncFailed') { $e.Data['class'] } }) -join ','"));
    }

    [Fact]
    public void Switches_and_a_case_sensitive_With_table_are_read_as_IdLE_hosts_write_them()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $with = [hashtable]::new()
            $with['authsessionname'] = 'EC'; $with['policytype'] = 'delta'; $with['wait'] = [switch] $true
            $with['pollintervalseconds'] = 1; $with['timeoutseconds'] = 30
            $ctx = New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider -States 'Idle', 'InProgress', 'Idle' }
            $r = Invoke-StepUnderTest -Context $ctx -With $with
            $twice = [hashtable]::new()
            $twice['AuthSessionName'] = 'EC'; $twice['PolicyType'] = 'Delta'; $twice['Wait'] = $true; $twice['wait'] = $false
            $r2 = Invoke-StepUnderTest -Context (New-StepTestContext -Providers @{ DirectorySync = New-ScriptedProvider }) -With $twice
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Waited = [bool] $r.Output[0].Data.waited
                Polls = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncPoll') { $e } }).Count
                TwiceId = $r2.Error.FullyQualifiedErrorId
                TwiceMessage = $r2.Error.Exception.Message
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal(true, P(r, "Waited"));
        Assert.Equal(2, P(r, "Polls"));
        Assert.StartsWith("IdLE.DirectorySync.InvalidArgument", (string)P(r, "TwiceId")!);
        Assert.Contains("more than once", (string)P(r, "TwiceMessage")!);
    }

    // ---------------------------------------------------------------- 11. transient poll failure

    [Fact]
    public void A_transient_poll_failure_is_retried_and_the_wait_completes()
    {
        using var engine = NewEngine();
        var r = Single(engine, @"
            $p = New-ScriptedProvider -States 'Idle', 'throw:WinRM transport hiccup', 'InProgress', 'Idle'
            $ctx = New-StepTestContext -Providers @{ DirectorySync = $p }
            $r = Invoke-StepUnderTest -Context $ctx -With @{ AuthSessionName = 'EC'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 30 }
            $polls = @(foreach ($e in $r.Events) { if ($e.Type -eq 'DirectorySyncPoll') { $e } })
            [pscustomobject]@{
                Error = if ($r.Error) { $r.Error.Exception.Message } else { $null }
                Status = $r.Output[0].Status
                Types = $r.Types -join ','
                Failed = @(foreach ($e in $polls) { [bool] $e.Data['failed'] }) -join ','
                FirstPollMessage = $polls[0].Message
            }");
        Assert.Null(P(r, "Error"));
        Assert.Equal("Completed", P(r, "Status"));
        Assert.Equal("DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncPoll,DirectorySyncPoll,DirectorySyncPoll,DirectorySyncCompleted", P(r, "Types"));
        Assert.Equal("True,False,False", P(r, "Failed"));
    }
}
