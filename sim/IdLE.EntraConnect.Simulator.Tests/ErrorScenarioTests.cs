using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    public sealed class ErrorScenarioTests
    {
        private const string BusyText = "Connector: contoso.onmicrosoft.com - AAD is busy.";

        [Fact]
        public void Busy_is_a_non_terminating_error_with_the_real_shape()
        {
            using var s = new SimSession();
            s.Reset("-AutoSchedulerCycles $false");
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            var output = s.Run("$x = 'before'; try { Start-ADSyncSyncCycle } catch { 'caught' }; 'after'", out ErrorRecord[] errors);
            Assert.Equal(new[] { "after" }, output.Select(o => o.ToString()).ToArray());
            ErrorRecord error = Assert.Single(errors);
            Assert.IsType<InvalidOperationException>(error.Exception);
            Assert.Equal(BusyText, error.Exception.Message);
            string text = error.ToString();
            Assert.StartsWith("System.InvalidOperationException: " + BusyText, text);
            Assert.Contains("   at ", text);
        }

        [Fact]
        public void Busy_with_ErrorAction_Stop_throws()
        {
            using var s = new SimSession();
            s.Reset("-AutoSchedulerCycles $false");
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            var output = s.Run("try { Start-ADSyncSyncCycle -ErrorAction Stop; 'no' } catch { $_.Exception.GetType().FullName; $_.Exception.Message }");
            Assert.Equal(new[] { "System.InvalidOperationException", BusyText }, output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public void Forced_busy_names_the_configured_connector_and_starts_nothing()
        {
            using var s = new SimSession();
            s.Reset("-AutoSchedulerCycles $false -ForceBusy $true -BusyConnectorName 'contoso.com'");
            s.Run("Start-ADSyncSyncCycle", out ErrorRecord[] errors);
            Assert.Equal("Connector: contoso.com is busy.", Assert.Single(errors).Exception.Message);
            s.At(60);
            Assert.Empty(s.Run("Get-ADSyncRunProfileResult"));
        }

        [Fact]
        public void No_rights_is_a_terminating_COM_access_denied()
        {
            using var s = new SimSession();
            s.Reset("-NoRights $true");
            var output = s.Run("try { Get-ADSyncScheduler; 'no' } catch { $_.Exception.GetType().FullName; $_.Exception.Message }");
            Assert.Equal("System.UnauthorizedAccessException", output[0].ToString());
            Assert.Equal(
                "Retrieving the COM class factory for remote component with CLSID {835BEE60-8731-4159-8BFF-941301D76D05} from machine failed due to the following error: 80070005",
                output[1].ToString());
            var thrown = Assert.ThrowsAny<RuntimeException>(() => s.Run("$ErrorActionPreference = 'Stop'; Start-ADSyncSyncCycle"));
            Assert.IsType<UnauthorizedAccessException>(thrown.ErrorRecord.Exception);
        }

        [Fact]
        public void Module_missing_throws_CommandNotFoundException_with_the_real_text()
        {
            using var s = new SimSession();
            s.Reset("-ModuleMissing $true");
            var output = s.Run("try { Start-ADSyncSyncCycle -PolicyType Delta; 'no' } catch [System.Management.Automation.CommandNotFoundException] { $_.Exception.Message }");
            string message = Assert.Single(output).ToString();
            Assert.StartsWith("The term 'Start-ADSyncSyncCycle' is not recognized as the name of a cmdlet, function, script file, or operable program.", message);
        }

        [Fact]
        public void Staging_mode_runs_no_exports_and_reports_it()
        {
            using var s = new SimSession();
            s.Reset("-StagingMode $true -StartLagSeconds 0 -CycleSeconds 4 -GapSeconds 0 -AutoSchedulerCycles $false");
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).StagingModeEnabled"));
            s.Single("Start-ADSyncSyncCycle");
            s.At(10);
            var profiles = s.Run("Get-ADSyncRunProfileResult").Select(r => (string)r.Properties["RunProfileName"].Value).ToList();
            Assert.Equal(4, profiles.Count);
            Assert.DoesNotContain("Export", profiles);
        }

        [Fact]
        public void Suspended_scheduler_refuses_with_the_configured_error_and_runs_nothing()
        {
            using var s = new SimSession();
            s.Reset("-SchedulerSuspended $true -SuspendedErrorMessage 'Scheduler is suspended (test).'");
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).SchedulerSuspended"));
            s.Run("Start-ADSyncSyncCycle", out ErrorRecord[] errors);
            Assert.Equal("Scheduler is suspended (test).", Assert.Single(errors).Exception.Message);
            s.At(3600 * 2);
            Assert.Empty(s.Run("Get-ADSyncRunProfileResult"));
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
        }

        [Fact]
        public void Run_results_follow_the_scenario_rules()
        {
            using var s = new SimSession();
            s.Reset("-StartLagSeconds 0 -CycleSeconds 6 -GapSeconds 0 -AutoSchedulerCycles $false " +
                    "-RunResult @{ 'contoso.com|Delta Import' = 'stopped-server-down'; '*|Export' = 'completed-export-errors' }");
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            s.At(10);
            var results = s.Run("Get-ADSyncRunProfileResult").ToDictionary(
                r => r.Properties["ConnectorName"].Value + "/" + r.Properties["RunProfileName"].Value,
                r => (string)r.Properties["Result"].Value);
            Assert.Equal("stopped-server-down", results["contoso.com/Delta Import"]);
            Assert.Equal("success", results["contoso.onmicrosoft.com - AAD/Delta Import"]);
            Assert.Equal("completed-export-errors", results["contoso.com/Export"]);
            Assert.Equal("completed-export-errors", results["contoso.onmicrosoft.com - AAD/Export"]);
        }
    }
}
