using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    public sealed class StateFileTests
    {
        [Fact]
        public void Two_runspaces_on_one_state_file_see_one_server()
        {
            using var a = new SimSession();
            a.Reset("-AutoSchedulerCycles $false -StartLagSeconds 0");
            using var b = new SimSession(a.StatePath);
            b.Attach();
            a.Single("Start-ADSyncSyncCycle");
            b.At(1);
            Assert.True(b.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
            b.Run("Start-ADSyncSyncCycle", out ErrorRecord[] errors);
            Assert.Single(errors);
            Assert.Single(a.Run("Get-ADSyncConnectorRunStatus"));
        }

        [Fact]
        public void Parallel_writers_never_lose_an_update_or_corrupt_the_file()
        {
            using var first = new SimSession();
            first.Reset("-AutoSchedulerCycles $false");
            long before = first.Value<long>("(Get-ADSyncSimulatorState).Revision");
            const int Writers = 8;
            const int WritesEach = 25;
            Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, i =>
            {
                using var s = new SimSession(first.StatePath);
                for (int n = 0; n < WritesEach; n++)
                {
                    s.Run("Set-ADSyncSimulatorScenario -StatePath '" + first.StatePath + "' -GapSeconds " + (i + 1) + "; Get-ADSyncScheduler | Out-Null", out ErrorRecord[] errors);
                    Assert.Empty(errors);
                }
            });

            long after = first.Value<long>("(Get-ADSyncSimulatorState).Revision");
            Assert.Equal(before + (Writers * WritesEach), after);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(first.StatePath));
            Assert.Equal(after, doc.RootElement.GetProperty("Revision").GetInt64());
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(first.StatePath)!, "*.tmp"));
        }

        [Fact]
        public void Parallel_triggers_accept_exactly_one_cycle()
        {
            using var first = new SimSession();
            first.Reset("-AutoSchedulerCycles $false");
            var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
            Parallel.For(0, 8, i =>
            {
                using var s = new SimSession(first.StatePath);
                s.Attach();
                var output = s.Run("Start-ADSyncSyncCycle", out ErrorRecord[] errors);
                outcomes.Add(output.Count == 1 ? "success" : errors.Length == 1 ? "busy" : "other");
            });
            Assert.Equal(1, outcomes.Count(o => o == "success"));
            Assert.Equal(7, outcomes.Count(o => o == "busy"));
        }

        [Fact]
        public void A_corrupt_state_file_fails_clearly_and_reset_repairs_it()
        {
            using var s = new SimSession();
            s.Reset();
            File.WriteAllText(s.StatePath, "{ not json");
            var thrown = Assert.ThrowsAny<RuntimeException>(() => s.Run("$ErrorActionPreference='Stop'; Get-ADSyncScheduler"));
            Assert.Contains("Reset-ADSyncSimulator", thrown.Message);
            s.Reset();
            Assert.False(s.Value<bool>("(Get-ADSyncScheduler).SyncCycleInProgress"));
        }
    }
}
