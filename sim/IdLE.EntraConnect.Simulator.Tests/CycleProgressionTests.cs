using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    // Timeline with these settings: lag 0–2 s; runs of 10 s at 2, 17, 32, 47, 62, 77; cycle ends at 87 s.
    public sealed class CycleProgressionTests
    {
        private const string Timing = "-StartLagSeconds 2 -StepSeconds 10 -GapSeconds 5 -AutoSchedulerCycles $false";

        [Fact]
        public void Start_returns_a_single_Success_whose_ToString_is_the_type_name()
        {
            using var s = new SimSession();
            s.Reset(Timing);
            PSObject result = s.Single("Start-ADSyncSyncCycle -PolicyType Delta");
            Assert.Equal("Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerOperationStatus", result.BaseObject.GetType().FullName);
            Assert.Equal(new[] { "Result" }, result.Properties.Select(p => p.Name).ToArray());
            Assert.Equal("Success", result.Properties["Result"].Value.ToString());
            Assert.Equal(result.BaseObject.GetType().FullName, result.BaseObject.ToString());
        }

        [Fact]
        public void Start_lag_keeps_SyncCycleInProgress_false_after_Success()
        {
            using var s = new SimSession();
            s.Reset(Timing);
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            s.At(1);
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            Assert.Empty(s.Run("Get-ADSyncConnectorRunStatus"));
            Assert.Empty(s.Run("Get-ADSyncRunProfileResult"));
            s.At(2.5);
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
        }

        [Fact]
        public void A_delta_cycle_runs_the_real_profile_sequence_and_goes_idle_between_profiles()
        {
            using var s = new SimSession();
            s.Reset(Timing);
            DateTime next0 = s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC");
            s.Run("Start-ADSyncSyncCycle -PolicyType Delta | Out-Null");

            s.At(5);
            PSObject status = Assert.Single(s.Run("Get-ADSyncConnectorRunStatus"));
            Assert.Equal("contoso.com", status.Properties["ConnectorName"].Value);
            Assert.Equal("Busy", status.Properties["RunState"].Value.ToString());
            PSObject running = Assert.Single(s.Run("Get-ADSyncRunProfileResult"));
            Assert.False((bool)running.Properties["IsRunComplete"].Value);
            Assert.Equal("in-progress", running.Properties["Result"].Value);

            s.At(14); // gap between two run profiles
            Assert.Empty(s.Run("Get-ADSyncConnectorRunStatus"));
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            Assert.Equal(next0, s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC"));

            s.At(20);
            Assert.Equal("contoso.onmicrosoft.com - AAD", Assert.Single(s.Run("Get-ADSyncConnectorRunStatus")).Properties["ConnectorName"].Value);

            s.At(90);
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            Assert.Empty(s.Run("Get-ADSyncConnectorRunStatus"));
            DateTime next = s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC");
            Assert.Equal(DateTimeKind.Utc, next.Kind);
            Assert.Equal(DateTime.Parse(SimSession.T0).ToUniversalTime().AddSeconds(87).AddMinutes(30), next);

            var history = s.Run("Get-ADSyncRunProfileResult").ToList();
            string[] expected =
            {
                "contoso.com/Export",
                "contoso.onmicrosoft.com - AAD/Export",
                "contoso.onmicrosoft.com - AAD/Delta Synchronization",
                "contoso.com/Delta Synchronization",
                "contoso.onmicrosoft.com - AAD/Delta Import",
                "contoso.com/Delta Import",
            };
            Assert.Equal(expected, history.Select(h => h.Properties["ConnectorName"].Value + "/" + h.Properties["RunProfileName"].Value).ToArray());
            foreach (PSObject run in history)
            {
                Assert.Equal("Microsoft.IdentityManagement.PowerShell.ObjectModel.RunHistory", run.BaseObject.GetType().FullName);
                Assert.IsType<Guid>(run.Properties["RunHistoryId"].Value);
                Assert.IsType<Guid>(run.Properties["ConnectorId"].Value);
                Assert.Equal(@"NT SERVICE\ADSync", run.Properties["Username"].Value);
                Assert.True((bool)run.Properties["IsRunComplete"].Value);
                Assert.Equal("success", run.Properties["Result"].Value);
                Assert.Equal(1, run.Properties["CurrentStepNumber"].Value);
                Assert.Equal(1, run.Properties["TotalSteps"].Value);
                var start = (DateTime)run.Properties["StartDate"].Value;
                var end = (DateTime)run.Properties["EndDate"].Value;
                Assert.Equal(DateTimeKind.Utc, start.Kind);
                Assert.True(end > start);
                Assert.NotEmpty((System.Collections.IEnumerable)run.Properties["RunStepResults"].Value);
            }

            // Run numbers count per connector across its run profiles, as in the sync engine.
            Assert.Equal(new[] { 3, 2, 1 }, history.Where(h => (string)h.Properties["ConnectorName"].Value == "contoso.com").Select(h => (int)h.Properties["RunNumber"].Value).ToArray());
            Assert.Equal(2, s.Run("Get-ADSyncRunProfileResult -NumberRequested 2").Count);
        }

        [Fact]
        public void Initial_uses_full_profiles_and_takes_longer()
        {
            using var s = new SimSession();
            s.Reset("-StartLagSeconds 0 -StepSeconds 10 -GapSeconds 0 -InitialCycleFactor 2 -AutoSchedulerCycles $false");
            s.Run("Start-ADSyncSyncCycle -PolicyType Initial | Out-Null");
            s.At(100);
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            s.At(121);
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            string[] names = s.Run("Get-ADSyncRunProfileResult").Select(h => (string)h.Properties["RunProfileName"].Value).Distinct().ToArray();
            Assert.Equal(new[] { "Export", "Full Synchronization", "Full Import" }, names);
        }

        [Fact]
        public void Run_numbers_count_up_per_connector_and_filters_work()
        {
            using var s = new SimSession();
            s.Reset("-StartLagSeconds 0 -CycleSeconds 6 -GapSeconds 0 -AutoSchedulerCycles $false");
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            s.At(10);
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            s.At(20);
            Assert.Equal(12, s.Run("Get-ADSyncRunProfileResult").Count);
            Guid id = s.Value<Guid>("(Get-ADSyncConnector -Name 'contoso.com').Identifier");
            var ad = s.Run("Get-ADSyncRunProfileResult -ConnectorId " + id).ToList();
            Assert.Equal(6, ad.Count);
            Assert.Equal(6, ad.Select(r => (int)r.Properties["RunNumber"].Value).Max());
            Guid historyId = (Guid)ad[0].Properties["RunHistoryId"].Value;
            Assert.Single(s.Run("Get-ADSyncRunProfileResult -RunHistoryId " + historyId));
            Assert.Equal("contoso.com", s.Single("Get-ADSyncConnector -Identifier " + id).Properties["Name"].Value);
            Assert.Equal(2, s.Run("Get-ADSyncConnector").Count);
            s.Run("Get-ADSyncConnector -Name nope", out ErrorRecord[] errors);
            Assert.Single(errors);
        }

        [Fact]
        public void Real_clock_default_runs_a_short_cycle_to_the_end()
        {
            using var s = new SimSession();
            s.Run("Reset-ADSyncSimulator -StatePath '" + s.StatePath + "' -StartLagSeconds 0.2 -StepSeconds 0.2 -GapSeconds 0.1 -AutoSchedulerCycles $false");
            s.Run("Start-ADSyncSyncCycle | Out-Null");
            var deadline = DateTime.UtcNow.AddSeconds(20);
            bool sawInProgress = false;
            while (DateTime.UtcNow < deadline)
            {
                bool inProgress = s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress");
                sawInProgress |= inProgress;
                if (sawInProgress && !inProgress)
                {
                    break;
                }

                System.Threading.Thread.Sleep(50);
            }

            Assert.True(sawInProgress);
            Assert.Equal(6, s.Run("Get-ADSyncRunProfileResult").Count);
        }
    }
}
