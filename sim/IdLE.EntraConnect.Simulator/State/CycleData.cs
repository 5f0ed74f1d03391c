using System;
using System.Collections.Generic;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>The cycle that has been accepted and has not completed yet.</summary>
    public sealed class CycleData
    {
        public Guid CycleId { get; set; }

        /// <summary>"Manual" (Start-ADSyncSyncCycle) or "Scheduler".</summary>
        public string Source { get; set; } = "Manual";

        public SynchronizationPolicyType PolicyType { get; set; }
        public DateTime TriggeredUtc { get; set; }

        /// <summary>When SyncCycleInProgress turns True (trigger + start lag).</summary>
        public DateTime StartUtc { get; set; }

        /// <summary>When the last run ends and the cycle completes.</summary>
        public DateTime EndUtc { get; set; }

        public List<PlannedRun> Runs { get; set; } = new List<PlannedRun>();
    }
}
