using System;
using System.Collections.Generic;
using System.Linq;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>
    /// Lays out a cycle's run profiles in the real order: imports from AD, import from Entra,
    /// syncs of AD connectors, sync of Entra, export to Entra, exports to AD (no exports in
    /// staging mode). Delta uses Delta Import / Delta Synchronization, Initial the Full ones.
    /// </summary>
    public static class CyclePlanner
    {
        private const double MinimumStepSeconds = 0.05;

        public static List<(string Connector, string Profile)> Sequence(Scenario scenario, SynchronizationPolicyType policy)
        {
            bool initial = policy == SynchronizationPolicyType.Initial;
            string import = initial ? RunProfileNames.FullImport : RunProfileNames.DeltaImport;
            string sync = initial ? RunProfileNames.FullSynchronization : RunProfileNames.DeltaSynchronization;
            string entra = scenario.EntraConnectorName;
            List<string> ad = scenario.AdConnectorNames.Where(n => !string.IsNullOrWhiteSpace(n)).ToList();

            var sequence = new List<(string, string)>();
            sequence.AddRange(ad.Select(c => (c, import)));
            sequence.Add((entra, import));
            sequence.AddRange(ad.Select(c => (c, sync)));
            sequence.Add((entra, sync));
            if (!scenario.StagingMode)
            {
                sequence.Add((entra, RunProfileNames.Export));
                sequence.AddRange(ad.Select(c => (c, RunProfileNames.Export)));
            }

            return sequence;
        }

        public static double StepSeconds(Scenario scenario, SynchronizationPolicyType policy, int stepCount)
        {
            double gap = Math.Max(0, scenario.GapSeconds);
            double step = scenario.CycleSeconds > 0 && stepCount > 0
                ? (scenario.CycleSeconds - (gap * (stepCount - 1))) / stepCount
                : scenario.StepSeconds;
            if (policy == SynchronizationPolicyType.Initial && scenario.InitialCycleFactor > 0)
            {
                step *= scenario.InitialCycleFactor;
            }

            return Math.Max(MinimumStepSeconds, step);
        }

        /// <summary>Length of a cycle from its start to the end of its last run.</summary>
        public static TimeSpan Duration(Scenario scenario, SynchronizationPolicyType policy)
        {
            int count = Sequence(scenario, policy).Count;
            double step = StepSeconds(scenario, policy, count);
            double gap = Math.Max(0, scenario.GapSeconds);
            return TimeSpan.FromSeconds((step * count) + (gap * Math.Max(0, count - 1)));
        }

        public static CycleData Plan(SimulatorState state, SynchronizationPolicyType policy, string source, DateTime triggeredUtc, DateTime startUtc)
        {
            Scenario scenario = state.Scenario;
            List<(string Connector, string Profile)> sequence = Sequence(scenario, policy);
            double step = StepSeconds(scenario, policy, sequence.Count);
            double gap = Math.Max(0, scenario.GapSeconds);

            var cycle = new CycleData
            {
                CycleId = Guid.NewGuid(),
                Source = source,
                PolicyType = policy,
                TriggeredUtc = triggeredUtc,
                StartUtc = startUtc,
            };

            DateTime cursor = startUtc;
            foreach ((string connectorName, string profile) in sequence)
            {
                ConnectorData connector = ServerEngine.EnsureConnector(state, connectorName, connectorName == scenario.EntraConnectorName, triggeredUtc);
                connector.LastRunNumber++;
                DateTime end = cursor.AddSeconds(step);
                cycle.Runs.Add(new PlannedRun
                {
                    RunHistoryId = Guid.NewGuid(),
                    StepHistoryId = Guid.NewGuid(),
                    ConnectorId = connector.Identifier,
                    ConnectorName = connector.Name,
                    RunProfileId = StableIds.RunProfile(connector.Name, profile),
                    RunProfileName = profile,
                    RunNumber = connector.LastRunNumber,
                    StartUtc = cursor,
                    EndUtc = end,
                    Result = RunResultRules.Resolve(scenario.RunResults, connector.Name, profile),
                });
                cursor = end.AddSeconds(gap);
            }

            cycle.EndUtc = cycle.Runs.Count == 0 ? startUtc : cycle.Runs[cycle.Runs.Count - 1].EndUtc;
            return cycle;
        }
    }
}
