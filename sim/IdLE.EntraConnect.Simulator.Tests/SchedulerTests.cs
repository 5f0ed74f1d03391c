using System;
using System.Management.Automation;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    public sealed class SchedulerTests
    {
        private static readonly DateTime T0 = DateTime.Parse(SimSession.T0).ToUniversalTime();

        [Fact]
        public void Scheduler_has_the_real_property_types()
        {
            using var s = new SimSession();
            s.Reset();
            PSObject sched = s.Single("Get-ADSyncScheduler");
            Assert.Equal("Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerSettings", sched.BaseObject.GetType().FullName);
            Assert.Equal(TimeSpan.FromMinutes(30), sched.Properties["AllowedSyncCycleInterval"].Value);
            Assert.Equal(TimeSpan.FromMinutes(30), sched.Properties["CurrentlyEffectiveSyncCycleInterval"].Value);
            Assert.Null(sched.Properties["CustomizedSyncCycleInterval"].Value);
            Assert.Equal("Delta", sched.Properties["NextSyncCyclePolicyType"].Value.ToString());
            Assert.Equal("SynchronizationPolicyType", sched.Properties["NextSyncCyclePolicyType"].Value.GetType().Name);
            Assert.Equal(T0.AddMinutes(30), sched.Properties["NextSyncCycleStartTimeInUTC"].Value);
            Assert.Equal(TimeSpan.FromDays(7), sched.Properties["PurgeRunHistoryInterval"].Value);
            Assert.Equal(true, sched.Properties["SyncCycleEnabled"].Value);
            Assert.Equal(true, sched.Properties["MaintenanceEnabled"].Value);
            Assert.Equal(false, sched.Properties["StagingModeEnabled"].Value);
            Assert.Equal(false, sched.Properties["SchedulerSuspended"].Value);
            Assert.Equal(false, sched.Properties["SyncCycleInProgress"].Value);
        }

        [Fact]
        public void The_scheduler_starts_a_cycle_on_its_own_when_due_and_moves_the_next_time_at_the_end()
        {
            using var s = new SimSession();
            s.Reset("-StepSeconds 10 -GapSeconds 0");
            s.At(1800 + 5);
            Assert.True(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            Assert.Equal(T0.AddMinutes(30), s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC")); // in the past while running
            Assert.Single(s.Run("Get-ADSyncConnectorRunStatus"));
            s.Run("Start-ADSyncSyncCycle", out ErrorRecord[] errors);
            Assert.Equal("Connector: contoso.com is busy.", Assert.Single(errors).Exception.Message);

            s.At(1800 + 61);
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            Assert.Equal(T0.AddMinutes(30).AddSeconds(60).AddMinutes(30), s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC"));
            Assert.Equal(6, s.Run("Get-ADSyncRunProfileResult").Count);
        }

        [Fact]
        public void Auto_cycles_off_or_SyncCycleEnabled_false_start_nothing_but_manual_runs_work()
        {
            foreach (string knob in new[] { "-AutoSchedulerCycles $false", "-SyncCycleEnabled $false" })
            {
                using var s = new SimSession();
                s.Reset(knob + " -StartLagSeconds 0 -CycleSeconds 6 -GapSeconds 0");
                s.At(3 * 3600);
                Assert.Empty(s.Run("Get-ADSyncRunProfileResult"));
                s.Single("Start-ADSyncSyncCycle");
                s.At((3 * 3600) + 10);
                Assert.Equal(6, s.Run("Get-ADSyncRunProfileResult").Count);
            }
        }

        [Fact]
        public void A_long_idle_server_catches_up_without_replaying_every_cycle()
        {
            using var s = new SimSession();
            s.Reset("-StepSeconds 10 -GapSeconds 0");
            s.At(30 * 24 * 3600);
            int count = s.Run("Get-ADSyncRunProfileResult").Count;
            Assert.InRange(count, 6, 6 * 4);
            DateTime next = s.Value<DateTime>("(Get-ADSyncScheduler).NextSyncCycleStartTimeInUTC");
            Assert.True(next > T0.AddDays(30).AddMinutes(-31));
        }

        [Fact]
        public void Customized_interval_is_reported_and_used()
        {
            using var s = new SimSession();
            s.Reset("-CustomizedSyncCycleIntervalMinutes 60");
            PSObject sched = s.Single("Get-ADSyncScheduler");
            Assert.Equal(TimeSpan.FromMinutes(60), sched.Properties["CustomizedSyncCycleInterval"].Value);
            Assert.Equal(TimeSpan.FromMinutes(60), sched.Properties["CurrentlyEffectiveSyncCycleInterval"].Value);
            Assert.Equal(T0.AddMinutes(60), sched.Properties["NextSyncCycleStartTimeInUTC"].Value);
        }

        [Fact]
        public void Objects_survive_remoting_serialization_with_live_primitive_values()
        {
            using var s = new SimSession();
            s.Reset();
            PSObject sched = s.Single("Get-ADSyncScheduler");
            var copy = (PSObject)PSSerializer.Deserialize(PSSerializer.Serialize(sched));
            Assert.Contains("Deserialized.Microsoft.IdentityManagement.PowerShell.ObjectModel.SchedulerSettings", copy.TypeNames);
            Assert.IsType<TimeSpan>(copy.Properties["AllowedSyncCycleInterval"].Value);
            Assert.IsType<DateTime>(copy.Properties["NextSyncCycleStartTimeInUTC"].Value);
        }
    }
}
