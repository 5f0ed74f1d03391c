using System.Management.Automation;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncSimulatorScenario: the current knobs.</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncSimulatorScenario")]
    [OutputType(typeof(Scenario))]
    public sealed class GetADSyncSimulatorScenarioCommand : SimulatorCmdletBase
    {
        protected override void ProcessRecord()
        {
            WriteObject(StateStore.Update(ResolveStatePath(), state => state.Scenario));
        }
    }
}
