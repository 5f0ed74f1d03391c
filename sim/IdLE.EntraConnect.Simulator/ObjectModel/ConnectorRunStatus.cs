namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>The run state of a connector as Get-ADSyncConnectorRunStatus reports it.</summary>
    public enum RunState
    {
        Idle = 0,
        Busy = 1,
    }

    /// <summary>One busy connector (Get-ADSyncConnectorRunStatus writes nothing when idle).</summary>
    public sealed class ConnectorRunStatus
    {
        public ConnectorRunStatus(RunState runState, string connectorName)
        {
            RunState = runState;
            ConnectorName = connectorName;
        }

        public RunState RunState { get; }
        public string ConnectorName { get; }
    }
}
