using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Set-ADSyncSimulatorScenario: changes the given knobs; the server's history and running cycle stay.</summary>
    [Cmdlet(VerbsCommon.Set, "ADSyncSimulatorScenario")]
    [OutputType(typeof(Scenario))]
    public sealed class SetADSyncSimulatorScenarioCommand : ScenarioCmdletBase
    {
        protected override void ProcessRecord()
        {
            string path = ResolveStatePath();
            Scenario scenario = StateStore.Update(path, state =>
            {
                ServerEngine.Advance(state, SimClock.Now(state.Clock));
                ApplyScenario(state);
                return state.Scenario;
            }, forceWrite: true); // every Set is one write, even when nothing changed

            if (PassThru)
            {
                WriteObject(scenario);
            }
        }
    }
}
