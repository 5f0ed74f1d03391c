using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>Get-ADSyncSimulatorState: where the state file is and what the server is doing (for tests and demos).</summary>
    [Cmdlet(VerbsCommon.Get, "ADSyncSimulatorState")]
    [OutputType(typeof(PSObject))]
    public sealed class GetADSyncSimulatorStateCommand : SimulatorCmdletBase
    {
        protected override void ProcessRecord()
        {
            string path = ResolveStatePath();
            PSObject result = StateStore.Update(path, state =>
            {
                DateTime now = SimClock.Now(state.Clock);
                ServerEngine.Advance(state, now);
                var o = new PSObject();
                o.Properties.Add(new PSNoteProperty("StatePath", path));
                o.Properties.Add(new PSNoteProperty("Revision", state.Revision));
                o.Properties.Add(new PSNoteProperty("UtcNow", now));
                o.Properties.Add(new PSNoteProperty("ClockFrozen", state.Clock.NowOverrideUtc.HasValue));
                o.Properties.Add(new PSNoteProperty("CycleAccepted", state.CurrentCycle != null));
                o.Properties.Add(new PSNoteProperty("CurrentCycle", state.CurrentCycle));
                o.Properties.Add(new PSNoteProperty("LastCycleEndUtc", state.LastCycleEndUtc));
                o.Properties.Add(new PSNoteProperty("NextSyncCycleStartTimeInUTC", state.NextSyncCycleStartTimeInUTC));
                o.Properties.Add(new PSNoteProperty("RunHistoryCount", state.RunHistory.Count));
                o.Properties.Add(new PSNoteProperty("Scenario", state.Scenario));
                return o;
            });
            WriteObject(result);
        }
    }
}
