using System;

namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>What Get-ADSyncScheduler returns; property names and types as ADSync's.</summary>
    public sealed class SchedulerSettings
    {
        public TimeSpan AllowedSyncCycleInterval { get; set; }
        public TimeSpan CurrentlyEffectiveSyncCycleInterval { get; set; }
        public TimeSpan? CustomizedSyncCycleInterval { get; set; }
        public SynchronizationPolicyType NextSyncCyclePolicyType { get; set; }
        public DateTime NextSyncCycleStartTimeInUTC { get; set; }
        public TimeSpan PurgeRunHistoryInterval { get; set; }
        public bool SyncCycleEnabled { get; set; }
        public bool MaintenanceEnabled { get; set; }
        public bool StagingModeEnabled { get; set; }
        public bool SchedulerSuspended { get; set; }
        public bool SyncCycleInProgress { get; set; }
    }
}
