using System.Collections.Generic;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>The knobs that shape how the simulated server behaves. Stored in the state file.</summary>
    public sealed class Scenario
    {
        public const string DefaultEntraConnectorName = "contoso.onmicrosoft.com - AAD";
        public const string DefaultSuspendedErrorMessage =
            "The sync scheduler is suspended. A sync cycle cannot be started while the scheduler is suspended.";

        /// <summary>On-premises AD connectors, in run order.</summary>
        public List<string> AdConnectorNames { get; set; } = new List<string> { "contoso.com" };

        /// <summary>The Entra ID connector (its name ends in " - AAD").</summary>
        public string EntraConnectorName { get; set; } = DefaultEntraConnectorName;

        /// <summary>Duration of one run profile, in seconds (Delta).</summary>
        public double StepSeconds { get; set; } = 2.0;

        /// <summary>When greater than 0: the whole Delta cycle's length (steps + gaps); overrides StepSeconds.</summary>
        public double CycleSeconds { get; set; }

        /// <summary>Idle gap between two run profiles, in seconds (run status is empty then).</summary>
        public double GapSeconds { get; set; } = 0.5;

        /// <summary>Seconds after a manual trigger before SyncCycleInProgress turns True.</summary>
        public double StartLagSeconds { get; set; } = 2.0;

        /// <summary>Initial cycles' steps take this many times longer than Delta steps.</summary>
        public double InitialCycleFactor { get; set; } = 2.0;

        /// <summary>Every Start-ADSyncSyncCycle answers "busy", whether or not a cycle runs.</summary>
        public bool ForceBusy { get; set; }

        /// <summary>The connector a forced busy error names (default: the Entra connector).</summary>
        public string? BusyConnectorName { get; set; }

        /// <summary>Every ADSync cmdlet fails with the COM access-denied error (80070005).</summary>
        public bool NoRights { get; set; }

        /// <summary>Every ADSync cmdlet fails as if the command did not exist.</summary>
        public bool ModuleMissing { get; set; }

        /// <summary>Staging mode: cycles run imports and syncs, never exports.</summary>
        public bool StagingMode { get; set; }

        /// <summary>The scheduler is suspended (upgrade, open wizard).</summary>
        public bool SchedulerSuspended { get; set; }

        /// <summary>The message Start-ADSyncSyncCycle writes while suspended (real text unverified).</summary>
        public string SuspendedErrorMessage { get; set; } = DefaultSuspendedErrorMessage;

        /// <summary>The scheduler's SyncCycleEnabled; False stops only scheduled cycles.</summary>
        public bool SyncCycleEnabled { get; set; } = true;

        /// <summary>Whether the simulated scheduler starts cycles on its own when NextSyncCycleStartTimeInUTC passes.</summary>
        public bool AutoSchedulerCycles { get; set; } = true;

        public bool MaintenanceEnabled { get; set; } = true;

        /// <summary>AllowedSyncCycleInterval, in minutes.</summary>
        public double SyncCycleIntervalMinutes { get; set; } = 30;

        /// <summary>CustomizedSyncCycleInterval, in minutes; null when not customized.</summary>
        public double? CustomizedSyncCycleIntervalMinutes { get; set; }

        public double PurgeRunHistoryIntervalDays { get; set; } = 7;

        /// <summary>
        /// Run results by "connector|profile" (either side may be "*"; a key without "|" means
        /// every profile of that connector). Unmatched runs end "success".
        /// </summary>
        public Dictionary<string, string> RunResults { get; set; } = new Dictionary<string, string>();
    }
}
