using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncConnectorRunStatus: one Busy object per running connector; nothing when idle or between runs.</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncConnectorRunStatus")]
    [OutputType(typeof(ConnectorRunStatus))]
    public sealed class GetADSyncConnectorRunStatusCommand : ADSyncCmdletBase
    {
        protected override string CommandName => "Get-ADSyncConnectorRunStatus";

        protected override CmdletOutcome Execute(SimulatorState state, DateTime nowUtc)
        {
            var outcome = new CmdletOutcome();
            outcome.Output.AddRange(ServerEngine.RunStatus(state, nowUtc));
            return outcome;
        }
    }
}
