using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Start-ADSyncSyncCycle: accepts a cycle and returns at once (Success = accepted, not done).</summary>
    [Cmdlet(VerbsLifecycle.Start, "ADSyncSyncCycle")]
    [OutputType(typeof(SchedulerOperationStatus))]
    public sealed class StartADSyncSyncCycleCommand : ADSyncCmdletBase
    {
        [Parameter(Position = 0)]
        public SynchronizationPolicyType PolicyType { get; set; } = SynchronizationPolicyType.Unspecified;

        [Parameter(Position = 1)]
        public bool InteractiveMode { get; set; }

        protected override string CommandName => "Start-ADSyncSyncCycle";

        protected override CmdletOutcome Execute(SimulatorState state, DateTime nowUtc)
        {
            var outcome = new CmdletOutcome();
            TriggerOutcome trigger = ServerEngine.Trigger(state, nowUtc, PolicyType);
            switch (trigger.Kind)
            {
                case TriggerKind.Accepted:
                    outcome.Output.Add(new SchedulerOperationStatus(SchedulerOperationResult.Success));
                    break;
                case TriggerKind.Busy:
                    outcome.Errors.Add(SimulatedErrors.Busy(trigger.BusyConnector ?? state.Scenario.EntraConnectorName));
                    break;
                case TriggerKind.Suspended:
                    outcome.Errors.Add(SimulatedErrors.Suspended(state.Scenario.SuspendedErrorMessage));
                    break;
            }

            return outcome;
        }
    }
}
