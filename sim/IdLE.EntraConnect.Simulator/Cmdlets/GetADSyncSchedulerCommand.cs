using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncScheduler: the scheduler's settings and whether a cycle is in progress.</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncScheduler")]
    [OutputType(typeof(SchedulerSettings))]
    public sealed class GetADSyncSchedulerCommand : ADSyncCmdletBase
    {
        protected override string CommandName => "Get-ADSyncScheduler";

        protected override CmdletOutcome Execute(SimulatorState state, DateTime nowUtc)
        {
            var outcome = new CmdletOutcome();
            outcome.Output.Add(ServerEngine.Scheduler(state, nowUtc));
            return outcome;
        }
    }
}
