using System.Linq;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// Every failure class, raised by a session with the real server texts (docs/adsync.md), thrown or only
/// written, live or after a PSSerializer round trip as remoting delivers it.
/// </summary>
public class ProviderFailureTests
{
    private const string Busy = "System.InvalidOperationException: Connector: contoso.onmicrosoft.com - AAD is busy.\r\n   at Microsoft.IdentityManagement.PowerShell.Cmdlet.StartADSyncSyncCycle.ProcessRecord()";
    private const string NoRights = "Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005";
    private const string WinRmDenied = "Connecting to remote server sync01.contoso.com failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.";
    private const string NotRecognized = "The term 'Start-ADSyncSyncCycle' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.";
    private const string TransportDown = "Connecting to remote server sync01.contoso.com failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid.";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // message, exception type, expected ErrorId, expected category
        { Busy, "System.InvalidOperationException", "IdLE.DirectorySync.CycleBusy", "ResourceBusy" },
        { NoRights, "System.UnauthorizedAccessException", "IdLE.DirectorySync.PermissionDenied", "PermissionDenied" },
        { NoRights, "System.Runtime.InteropServices.COMException", "IdLE.DirectorySync.PermissionDenied", "PermissionDenied" },
        { WinRmDenied, "System.Management.Automation.Remoting.PSRemotingTransportException", "IdLE.DirectorySync.PermissionDenied", "PermissionDenied" },
        { NotRecognized, "System.Management.Automation.CommandNotFoundException", "IdLE.DirectorySync.ADSyncUnavailable", "NotInstalled" },
        { TransportDown, "System.Management.Automation.Remoting.PSRemotingTransportException", "IdLE.DirectorySync.RemoteExecutionFailed", "ConnectionError" },
    };

    private static PSObject Fail(string how, string message, string type, string method = "StartSyncCycle")
    {
        using var engine = new Engine();
        string handler = how switch
        {
            "thrown" => $"$t = [type]'{type}'; throw [System.Management.Automation.ErrorRecord]::new($t::new($m), 'E', 'NotSpecified', $null)",
            "written" => $"Write-TestError -Message $m -ExceptionType '{type}'",
            "written-with-success" => $"[pscustomobject]@{{ Result = 'Success' }}; Write-TestError -Message $m -ExceptionType '{type}'",
            "deserialized-in-output" => $"New-TestErrorRecord -Message $m -ExceptionType '{type}' -Deserialize",
            "live-in-output" => $"New-TestErrorRecord -Message $m -ExceptionType '{type}'",
            _ => throw new System.ArgumentException(how),
        };
        string call = method == "StartSyncCycle" ? "$p.StartSyncCycle('Delta', $s)" : "$p.GetSyncCycleState($s)";
        return engine.Run($@"
            $m = $msg
            $h = {{ param($x) {handler} }}
            $s = New-TestSession -Handlers @{{ 'Start-ADSyncSyncCycle' = $h; 'Get-ADSyncScheduler' = $h }}
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure {{ {call} }}", variables: new System.Collections.Generic.Dictionary<string, object?> { ["msg"] = message }).Single();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Thrown_errors_are_classified(string message, string type, string errorId, string category)
    {
        var f = Fail("thrown", message, type);
        Assert.Equal(errorId, f.Properties["ErrorId"].Value);
        Assert.Equal(category, f.Properties["Category"].Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Non_terminating_errors_are_classified(string message, string type, string errorId, string category)
    {
        var f = Fail("written", message, type);
        Assert.Equal(errorId, f.Properties["ErrorId"].Value);
        Assert.Equal(category, f.Properties["Category"].Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Deserialized_error_records_in_the_output_are_classified(string message, string type, string errorId, string category)
    {
        var f = Fail("deserialized-in-output", message, type);
        Assert.Equal(errorId, f.Properties["ErrorId"].Value);
        Assert.Equal(category, f.Properties["Category"].Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void State_reads_classify_the_same_way(string message, string type, string errorId, string category)
    {
        var f = Fail("thrown", message, type, "GetSyncCycleState");
        Assert.Equal(errorId, f.Properties["ErrorId"].Value);
        Assert.Equal(category, f.Properties["Category"].Value);
    }

    [Fact]
    public void A_non_terminating_busy_error_beside_a_Success_object_is_not_success()
    {
        var f = Fail("written-with-success", Busy, "System.InvalidOperationException");
        Assert.Equal("IdLE.DirectorySync.CycleBusy", f.Properties["ErrorId"].Value);
        Assert.Equal(true, f.Properties["Transient"].Value);
        string inner = (string)f.Properties["Inner"].Value;
        Assert.Contains("contoso.onmicrosoft.com - AAD", inner);
        Assert.DoesNotContain("   at Microsoft.", inner);
    }

    [Fact]
    public void A_busy_error_written_by_a_method_the_session_calls_is_caught_and_not_leaked()
    {
        // A method call sends the errors it writes past every redirection to the outermost
        // pipeline; the session calling a helper method of its own must not defeat the capture.
        using var engine = new Engine();
        var r = engine.Run(@"
            $s = [pscustomobject]@{ PSTypeName = 'Test.HelperSession' }
            $s.PSObject.Members.Add([psscriptmethod]::new('Run', {
                param([string] $CommandName)
                Write-TestError -Message $msg
                [pscustomobject]@{ Result = 'Success' }
            }))
            $s.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                param([string] $CommandName, [hashtable] $Parameters)
                $this.Run($CommandName)
            }))
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure { $p.StartSyncCycle('Delta', $s) }",
            variables: new System.Collections.Generic.Dictionary<string, object?> { ["msg"] = Busy }).Single();
        Assert.Equal("IdLE.DirectorySync.CycleBusy", r.Properties["ErrorId"].Value);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(300)]
    [InlineData(500)]
    public void Stopping_the_pipeline_during_a_session_call_stops_it_and_is_not_classified(int afterMs)
    {
        using var engine = new Engine();
        engine.Run(@"
            $global:hang = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { param($x) while ($true) { $null = 1 } } }
            $global:hangProvider = New-IdleEntraConnectDirectorySyncProvider");
        using (PowerShell ps = PowerShell.Create())
        {
            ps.Runspace = engine.Runspace;
            ps.AddScript("$global:hangProvider.GetSyncCycleState($global:hang)");
            System.IAsyncResult pending = ps.BeginInvoke();
            System.Threading.Thread.Sleep(afterMs);
            Assert.False(pending.IsCompleted, "the call ended before it was stopped");
            ps.Stop();
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            AssertOnlyStops(ps.Streams.Error);
        }
        // The runspace and the provider stay usable.
        Assert.Equal("Idle", engine.Value("$global:hangProvider.GetSyncCycleState((New-HappySession)).State"));
    }

    [Fact]
    public void A_session_call_that_was_stopped_is_a_stop_not_a_failure_of_the_server()
    {
        // The session's own ScriptMethod hands the stop back wrapped ("Exception calling ...").
        using var engine = new Engine();
        var caught = engine.Run(@"
            $s = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = {
                throw [System.Management.Automation.MethodInvocationException]::new('Exception calling ""InvokeCommand"": ""The pipeline has been stopped.""', [System.Management.Automation.PipelineStoppedException]::new())
            } }
            $p = New-IdleEntraConnectDirectorySyncProvider
            try { $p.StartSyncCycle('Delta', $s); 'returned' } catch { $_ }").Single();
        AssertOnlyStops(new[] { Assert.IsType<ErrorRecord>(caught.BaseObject) });
    }

    /// <summary>
    /// A stop may surface once as the ScriptMethod's "Exception calling ... The pipeline has been
    /// stopped.": PowerShell wraps what a ScriptMethod throws, and a stop that unwinds before the
    /// caller's pipeline is flagged as stopping is written as such an error (a race inside
    /// PowerShell.Stop()). Whatever appears must be that stop, never a classified failure.
    /// </summary>
    private static void AssertOnlyStops(System.Collections.Generic.IEnumerable<ErrorRecord> errors)
    {
        foreach (ErrorRecord error in errors)
        {
            Assert.DoesNotContain("IdLE.DirectorySync", error.FullyQualifiedErrorId);
            System.Exception? e = error.Exception;
            while (e is not null and not PipelineStoppedException)
            {
                e = e.InnerException;
            }
            Assert.True(e is not null, "not a stop: " + error.Exception);
        }
    }

    [Fact]
    public void A_live_error_record_in_the_output_is_classified()
    {
        var f = Fail("live-in-output", Busy, "System.InvalidOperationException");
        Assert.Equal("IdLE.DirectorySync.CycleBusy", f.Properties["ErrorId"].Value);
    }

    [Fact]
    public void Permission_errors_tell_the_host_to_supply_an_authorised_session()
    {
        var f = Fail("thrown", NoRights, "System.UnauthorizedAccessException");
        Assert.Contains("AuthSessionBroker", (string)f.Properties["Inner"].Value);
        Assert.Equal(false, f.Properties["Transient"].Value);
    }

    [Theory]
    [InlineData("throw [pscustomobject]@{ Code = 42 }")]
    [InlineData("throw 42")]
    [InlineData("throw [System.IO.IOException]::new('The pipe is broken.')")]
    [InlineData("throw [System.StackOverflowException]::new('not really')")]
    [InlineData("throw $null")]
    public void A_session_that_throws_anything_fails_as_remote_execution(string body)
    {
        using var engine = new Engine();
        var f = engine.Run($@"
            $s = New-TestSession -Handlers @{{ 'Start-ADSyncSyncCycle' = {{ {body} }} }}
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure {{ $p.StartSyncCycle('Delta', $s) }}").Single();
        Assert.Equal("IdLE.DirectorySync.RemoteExecutionFailed", f.Properties["ErrorId"].Value);
        Assert.Equal(true, f.Properties["Transient"].Value);
    }

    [Theory]
    [InlineData("Start-ADSyncSyncCycle", "StartSyncCycle('Delta', $s)", "")]
    // A host that returned the object's text instead of the object: its ToString() is the type name.
    [InlineData("Start-ADSyncSyncCycle", "StartSyncCycle('Delta', $s)", "'Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerOperationStatus'")]
    [InlineData("Start-ADSyncSyncCycle", "StartSyncCycle('Delta', $s)", "[pscustomobject]@{ Name = 'no Result property' }")]
    [InlineData("Get-ADSyncScheduler", "GetSyncCycleState($s)", "")]
    [InlineData("Get-ADSyncScheduler", "GetSyncCycleState($s)", "42")]
    [InlineData("Get-ADSyncScheduler", "GetSyncCycleState($s)", "'a string'")]
    public void Answers_that_cannot_be_understood_are_unexpected_responses(string command, string call, string output)
    {
        using var engine = new Engine();
        var f = engine.Run($@"
            $s = New-TestSession -Handlers @{{ '{command}' = {{ {output} }} }}
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure {{ $p.{call} }}").Single();
        Assert.Equal("IdLE.DirectorySync.UnexpectedResponse", f.Properties["ErrorId"].Value);
        Assert.Equal("InvalidResult", f.Properties["Category"].Value);
    }

    [Fact]
    public void A_result_other_than_Success_is_a_failure_of_the_server()
    {
        using var engine = new Engine();
        var f = engine.Run(@"
            $s = New-TestSession -Handlers @{ 'Start-ADSyncSyncCycle' = { [pscustomobject]@{ Result = 'Failure' } } }
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure { $p.StartSyncCycle('Delta', $s) }").Single();
        Assert.Equal("IdLE.DirectorySync.RemoteExecutionFailed", f.Properties["ErrorId"].Value);
        Assert.Contains("Failure", (string)f.Properties["Inner"].Value);
    }

    [Fact]
    public void A_huge_answer_is_refused_without_harm()
    {
        using var engine = new Engine();
        var f = engine.Run(@"
            $s = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { New-TestScheduler -Override @{ Padding = [string]::new([char]'x', 20MB) } } }
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure { $p.GetSyncCycleState($s) }").Single();
        Assert.Equal("IdLE.DirectorySync.UnexpectedResponse", f.Properties["ErrorId"].Value);
    }

    [Fact]
    public void A_wide_object_graph_is_cut_off_at_the_cap_not_written_whole()
    {
        // Depth bounds nothing here: 3,000 rows of 10 kB each fan out to 30 MB of JSON within
        // two levels. Writing stops at the core's cap, and the core reports the answer too large.
        using var engine = new Engine();
        var r = engine.Run(@"
            $text = [string]::new([char]'x', 1000)
            $rows = [System.Collections.Generic.List[object]]::new()
            for ($i = 0; $i -lt 3000; $i++) {
                $rows.Add([pscustomobject]@{ A = $text; B = $text; C = $text; D = $text; E = $text; F = $text; G = $text; H = $text; I = $text; J = $text })
            }
            $s = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { New-TestScheduler -Override @{ Rows = $rows } }.GetNewClosure() }
            $p = New-IdleEntraConnectDirectorySyncProvider
            [System.GC]::Collect()
            $before = [System.GC]::GetTotalAllocatedBytes($true)
            $f = Get-TestFailure { $p.GetSyncCycleState($s) }
            [pscustomobject]@{
                ErrorId = $f.ErrorId
                Inner = $f.Inner
                AllocatedMiB = ([System.GC]::GetTotalAllocatedBytes($true) - $before) / 1MB
            }").Single();
        Assert.Equal("IdLE.DirectorySync.UnexpectedResponse", r.Properties["ErrorId"].Value);
        Assert.Contains("larger than 16 MiB", (string)r.Properties["Inner"].Value);
        // Measured: about 46 MiB with the cut-off, about 236 MiB when the whole answer is written.
        Assert.True(System.Convert.ToDouble(r.Properties["AllocatedMiB"].Value) < 100, "allocated " + r.Properties["AllocatedMiB"].Value + " MiB");
    }

    [Fact]
    public void A_live_object_that_fans_out_is_refused_as_too_large()
    {
        // An Assembly within five levels is gigabytes of JSON (34 s and 4.2 GB before the cap).
        using var engine = new Engine();
        var f = engine.Run(@"
            $s = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { ,[string].Assembly } }
            $p = New-IdleEntraConnectDirectorySyncProvider
            Get-TestFailure { $p.GetSyncCycleState($s) }").Single();
        Assert.Equal("IdLE.DirectorySync.UnexpectedResponse", f.Properties["ErrorId"].Value);
        Assert.Contains("larger than 16 MiB", (string)f.Properties["Inner"].Value);
    }

    [Fact]
    public void A_value_whose_ToString_throws_at_the_depth_limit_does_not_spoil_the_answer()
    {
        using var engine = new Engine();
        var state = engine.Run(@"
            class ThrowingText { [string] ToString() { throw 'no text for you' } }
            $deep = @{ a = @{ b = @{ c = @{ d = @{ e = [ThrowingText]::new() } } } } }
            $s = New-TestSession -Handlers @{ 'Get-ADSyncScheduler' = { New-TestScheduler -Override @{ SyncCycleInProgress = $true; Extra = $deep } }.GetNewClosure() }
            $p = New-IdleEntraConnectDirectorySyncProvider
            $p.GetSyncCycleState($s).State").Single();
        Assert.Equal("InProgress", state.BaseObject);
    }
}
