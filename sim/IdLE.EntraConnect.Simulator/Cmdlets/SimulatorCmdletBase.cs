using System.Management.Automation;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Common to the simulator's own cmdlets: -StatePath chooses (and remembers) the state file.</summary>
    public abstract class SimulatorCmdletBase : PSCmdlet
    {
        /// <summary>The state file; remembered for this runspace. Default: $env:IDLE_ADSYNC_SIM_STATE, else a per-user temp file.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected string ResolveStatePath()
        {
            if (!string.IsNullOrEmpty(StatePath))
            {
                string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath);
                StatePathResolver.SetForCurrentRunspace(full);
                return full;
            }

            return StatePathResolver.Resolve();
        }
    }
}
