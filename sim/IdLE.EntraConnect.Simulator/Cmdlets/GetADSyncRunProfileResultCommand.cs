using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncRunProfileResult: run history, newest first, optionally filtered.</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncRunProfileResult")]
    [OutputType(typeof(RunHistory))]
    public sealed class GetADSyncRunProfileResultCommand : ADSyncCmdletBase
    {
        [Parameter]
        public Guid RunHistoryId { get; set; }

        [Parameter]
        public Guid ConnectorId { get; set; }

        [Parameter]
        public Guid RunProfileId { get; set; }

        [Parameter]
        public int RunNumber { get; set; }

        [Parameter]
        public int NumberRequested { get; set; }

        /// <summary>Accepted for compatibility; run step results are always included.</summary>
        [Parameter]
        public SwitchParameter RunStepDetails { get; set; }

        protected override string CommandName => "Get-ADSyncRunProfileResult";

        protected override CmdletOutcome Execute(SimulatorState state, DateTime nowUtc)
        {
            IEnumerable<RunHistory> runs = ServerEngine.History(state, nowUtc);
            if (IsBound(nameof(RunHistoryId)))
            {
                runs = runs.Where(r => r.RunHistoryId == RunHistoryId);
            }

            if (IsBound(nameof(ConnectorId)))
            {
                runs = runs.Where(r => r.ConnectorId == ConnectorId);
            }

            if (IsBound(nameof(RunProfileId)))
            {
                runs = runs.Where(r => r.RunProfileId == RunProfileId);
            }

            if (IsBound(nameof(RunNumber)))
            {
                runs = runs.Where(r => r.RunNumber == RunNumber);
            }

            if (IsBound(nameof(NumberRequested)) && NumberRequested > 0)
            {
                runs = runs.Take(NumberRequested);
            }

            var outcome = new CmdletOutcome();
            outcome.Output.AddRange(runs);
            return outcome;
        }

        private bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);
    }
}
