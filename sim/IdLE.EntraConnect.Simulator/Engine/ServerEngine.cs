using System;
using System.Collections.Generic;
using System.Linq;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>
    /// The simulated ADSync service. It has no threads: every call first brings the state up to
    /// "now" (completes a finished cycle, starts due scheduler cycles), then answers.
    /// </summary>
    public static class ServerEngine
    {
        private const int MaxHistoryEntries = 2000;
        private const int MaxCatchUpCycles = 3;

        public static TimeSpan AllowedInterval(Scenario scenario) =>
            TimeSpan.FromMinutes(scenario.SyncCycleIntervalMinutes > 0 ? scenario.SyncCycleIntervalMinutes : 30);

        public static TimeSpan? CustomizedInterval(Scenario scenario) =>
            scenario.CustomizedSyncCycleIntervalMinutes is double minutes && minutes > 0 ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;

        public static TimeSpan EffectiveInterval(Scenario scenario)
        {
            TimeSpan allowed = AllowedInterval(scenario);
            TimeSpan? customized = CustomizedInterval(scenario);
            return customized.HasValue && customized.Value > allowed ? customized.Value : allowed;
        }

        public static ConnectorData EnsureConnector(SimulatorState state, string name, bool isEntra, DateTime nowUtc)
        {
            ConnectorData? existing = state.Connectors.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (existing != null)
            {
                return existing;
            }

            var created = new ConnectorData
            {
                Identifier = StableIds.Connector(name),
                Name = name,
                IsEntra = isEntra,
                CreationTime = nowUtc,
            };
            state.Connectors.Add(created);
            return created;
        }

        /// <summary>The scenario's connectors (AD first, then Entra), created on first sight.</summary>
        public static List<ConnectorData> ScenarioConnectors(SimulatorState state, DateTime nowUtc)
        {
            var list = new List<ConnectorData>();
            foreach (string name in state.Scenario.AdConnectorNames.Where(n => !string.IsNullOrWhiteSpace(n)))
            {
                list.Add(EnsureConnector(state, name, false, nowUtc));
            }

            list.Add(EnsureConnector(state, state.Scenario.EntraConnectorName, true, nowUtc));
            return list;
        }

        /// <summary>Brings the state up to <paramref name="nowUtc"/>.</summary>
        public static void Advance(SimulatorState state, DateTime nowUtc)
        {
            ScenarioConnectors(state, nowUtc);
            for (int guard = 0; guard < 100; guard++)
            {
                if (state.CurrentCycle != null)
                {
                    if (nowUtc < state.CurrentCycle.EndUtc)
                    {
                        break;
                    }

                    Complete(state);
                    continue;
                }

                if (!SchedulerMayStart(state.Scenario) || nowUtc < state.NextSyncCycleStartTimeInUTC)
                {
                    break;
                }

                StartScheduledCycle(state, nowUtc);
            }

            Purge(state, nowUtc);
        }

        public static TriggerOutcome Trigger(SimulatorState state, DateTime nowUtc, SynchronizationPolicyType requested)
        {
            Scenario scenario = state.Scenario;
            if (scenario.SchedulerSuspended)
            {
                return TriggerOutcome.Suspended();
            }

            if (scenario.ForceBusy)
            {
                return TriggerOutcome.Busy(string.IsNullOrWhiteSpace(scenario.BusyConnectorName) ? scenario.EntraConnectorName : scenario.BusyConnectorName!);
            }

            if (state.CurrentCycle != null)
            {
                return TriggerOutcome.Busy(BusyConnectorOf(state.CurrentCycle, nowUtc, scenario));
            }

            SynchronizationPolicyType policy = requested == SynchronizationPolicyType.Unspecified
                ? (state.NextSyncCyclePolicyType == SynchronizationPolicyType.Unspecified ? SynchronizationPolicyType.Delta : state.NextSyncCyclePolicyType)
                : requested;
            DateTime start = nowUtc.AddSeconds(Math.Max(0, scenario.StartLagSeconds));
            state.CurrentCycle = CyclePlanner.Plan(state, policy, "Manual", nowUtc, start);
            return TriggerOutcome.Accepted();
        }

        public static SchedulerSettings Scheduler(SimulatorState state, DateTime nowUtc)
        {
            Scenario scenario = state.Scenario;
            return new SchedulerSettings
            {
                AllowedSyncCycleInterval = AllowedInterval(scenario),
                CurrentlyEffectiveSyncCycleInterval = EffectiveInterval(scenario),
                CustomizedSyncCycleInterval = CustomizedInterval(scenario),
                NextSyncCyclePolicyType = state.NextSyncCyclePolicyType,
                NextSyncCycleStartTimeInUTC = DateTime.SpecifyKind(state.NextSyncCycleStartTimeInUTC, DateTimeKind.Utc),
                PurgeRunHistoryInterval = TimeSpan.FromDays(scenario.PurgeRunHistoryIntervalDays),
                SyncCycleEnabled = scenario.SyncCycleEnabled,
                MaintenanceEnabled = scenario.MaintenanceEnabled,
                StagingModeEnabled = scenario.StagingMode,
                SchedulerSuspended = scenario.SchedulerSuspended,
                SyncCycleInProgress = state.CurrentCycle != null && nowUtc >= state.CurrentCycle.StartUtc,
            };
        }

        /// <summary>The runs executing at <paramref name="nowUtc"/> (none in gaps and when idle).</summary>
        public static List<ConnectorRunStatus> RunStatus(SimulatorState state, DateTime nowUtc)
        {
            if (state.CurrentCycle == null)
            {
                return new List<ConnectorRunStatus>();
            }

            return state.CurrentCycle.Runs
                .Where(r => r.StartUtc <= nowUtc && nowUtc < r.EndUtc)
                .Select(r => new ConnectorRunStatus(RunState.Busy, r.ConnectorName))
                .ToList();
        }

        /// <summary>Run history, newest first, including runs of the current cycle that have started.</summary>
        public static List<RunHistory> History(SimulatorState state, DateTime nowUtc)
        {
            var result = new List<RunHistory>();
            if (state.CurrentCycle != null)
            {
                result.AddRange(state.CurrentCycle.Runs
                    .Where(r => r.StartUtc <= nowUtc)
                    .OrderByDescending(r => r.StartUtc)
                    .Select(r => ObjectFactory.ToRunHistory(r, nowUtc)));
            }

            result.AddRange(state.RunHistory.Select(r => ObjectFactory.ToRunHistory(r, nowUtc)));
            return result;
        }

        private static bool SchedulerMayStart(Scenario scenario) =>
            scenario.AutoSchedulerCycles && scenario.SyncCycleEnabled && !scenario.SchedulerSuspended;

        private static void StartScheduledCycle(SimulatorState state, DateTime nowUtc)
        {
            SynchronizationPolicyType policy = state.NextSyncCyclePolicyType == SynchronizationPolicyType.Unspecified
                ? SynchronizationPolicyType.Delta
                : state.NextSyncCyclePolicyType;

            // After a long idle time, skip whole missed periods instead of replaying hundreds of cycles.
            TimeSpan period = CyclePlanner.Duration(state.Scenario, policy) + EffectiveInterval(state.Scenario);
            DateTime due = state.NextSyncCycleStartTimeInUTC;
            if (period > TimeSpan.Zero)
            {
                long missed = (nowUtc - due).Ticks / period.Ticks;
                if (missed > MaxCatchUpCycles)
                {
                    due = due.AddTicks((missed - MaxCatchUpCycles) * period.Ticks);
                }
            }

            state.CurrentCycle = CyclePlanner.Plan(state, policy, "Scheduler", due, due);
        }

        private static void Complete(SimulatorState state)
        {
            CycleData cycle = state.CurrentCycle!;
            foreach (PlannedRun run in cycle.Runs.OrderBy(r => r.StartUtc))
            {
                state.RunHistory.Insert(0, run);
            }

            state.LastCycleEndUtc = cycle.EndUtc;
            state.NextSyncCycleStartTimeInUTC = cycle.EndUtc + EffectiveInterval(state.Scenario);
            state.NextSyncCyclePolicyType = SynchronizationPolicyType.Delta;
            state.CurrentCycle = null;
        }

        private static string BusyConnectorOf(CycleData cycle, DateTime nowUtc, Scenario scenario)
        {
            // The running connector; between runs and before the first one, the Entra connector.
            PlannedRun? running = cycle.Runs.FirstOrDefault(r => r.StartUtc <= nowUtc && nowUtc < r.EndUtc);
            return running?.ConnectorName ?? scenario.EntraConnectorName;
        }

        private static void Purge(SimulatorState state, DateTime nowUtc)
        {
            DateTime cutoff = nowUtc - TimeSpan.FromDays(Math.Max(0, state.Scenario.PurgeRunHistoryIntervalDays));
            state.RunHistory.RemoveAll(r => r.EndUtc < cutoff);
            if (state.RunHistory.Count > MaxHistoryEntries)
            {
                state.RunHistory.RemoveRange(MaxHistoryEntries, state.RunHistory.Count - MaxHistoryEntries);
            }
        }
    }
}
