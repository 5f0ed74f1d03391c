using System;
using System.Collections.Generic;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>Everything the simulated server knows; the whole content of the state file.</summary>
    public sealed class SimulatorState
    {
        public int SchemaVersion { get; set; } = 1;

        /// <summary>Incremented on every write of the file.</summary>
        public long Revision { get; set; }

        public ClockSettings Clock { get; set; } = new ClockSettings();
        public Scenario Scenario { get; set; } = new Scenario();
        public DateTime NextSyncCycleStartTimeInUTC { get; set; }
        public SynchronizationPolicyType NextSyncCyclePolicyType { get; set; } = SynchronizationPolicyType.Delta;
        public DateTime? LastCycleEndUtc { get; set; }
        public List<ConnectorData> Connectors { get; set; } = new List<ConnectorData>();
        public CycleData? CurrentCycle { get; set; }

        /// <summary>Completed runs, newest first.</summary>
        public List<PlannedRun> RunHistory { get; set; } = new List<PlannedRun>();

        /// <summary>A fresh server whose next scheduled cycle is one interval from <paramref name="nowUtc"/>.</summary>
        public static SimulatorState CreateDefault(DateTime nowUtc)
        {
            var state = new SimulatorState();
            state.NextSyncCycleStartTimeInUTC = nowUtc + TimeSpan.FromMinutes(state.Scenario.SyncCycleIntervalMinutes);
            return state;
        }
    }
}
