using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>
    /// Common to the simulated ADSync cmdlets: load the state under the lock, apply the
    /// scenario's faults (module missing, no rights), bring the server up to "now", answer.
    /// </summary>
    public abstract class ADSyncCmdletBase : PSCmdlet
    {
        protected abstract string CommandName { get; }

        protected abstract CmdletOutcome Execute(SimulatorState state, DateTime nowUtc);

        protected override void ProcessRecord()
        {
            string path = StatePathResolver.Resolve();
            CmdletOutcome outcome;
            try
            {
                outcome = StateStore.Update(path, Run);
            }
            catch (System.IO.InvalidDataException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "ADSyncSimulatorStateInvalid", ErrorCategory.InvalidData, path));
                return;
            }

            Emit(outcome);
        }

        private CmdletOutcome Run(SimulatorState state)
        {
            if (state.Scenario.ModuleMissing)
            {
                return CmdletOutcome.Fail(SimulatedErrors.CommandNotFound(CommandName));
            }

            if (state.Scenario.NoRights)
            {
                return CmdletOutcome.Fail(SimulatedErrors.NoRights());
            }

            DateTime now = SimClock.Now(state.Clock);
            ServerEngine.Advance(state, now);
            return Execute(state, now);
        }

        private void Emit(CmdletOutcome outcome)
        {
            if (outcome.Terminating != null)
            {
                ThrowTerminatingError(outcome.Terminating);
            }

            foreach (ErrorRecord error in outcome.Errors)
            {
                WriteError(error);
            }

            foreach (object item in outcome.Output)
            {
                WriteObject(item);
            }
        }
    }
}
