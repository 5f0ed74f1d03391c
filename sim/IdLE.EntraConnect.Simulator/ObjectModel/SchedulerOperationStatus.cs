namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>The outcome of a scheduler request (Start-ADSyncSyncCycle).</summary>
    public enum SchedulerOperationResult
    {
        Success = 0,
        Failure = 1,
    }

    /// <summary>
    /// What Start-ADSyncSyncCycle returns. ToString() is deliberately not overridden, so
    /// (as with the real type) it yields the type name, not "Success".
    /// </summary>
    public sealed class SchedulerOperationStatus
    {
        public SchedulerOperationStatus(SchedulerOperationResult result)
        {
            Result = result;
        }

        public SchedulerOperationResult Result { get; }
    }
}
