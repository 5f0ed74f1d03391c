using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>
    /// Reset-ADSyncSimulator: a fresh idle server (no history, default scenario, real clock),
    /// then the given knobs. -UtcNow freezes the clock at that instant.
    /// </summary>
    [Cmdlet(VerbsCommon.Reset, "ADSyncSimulator", SupportsShouldProcess = false)]
    [OutputType(typeof(Scenario))]
    public sealed class ResetADSyncSimulatorCommand : ScenarioCmdletBase
    {
        [Parameter]
        public DateTime UtcNow { get; set; }

        protected override void ProcessRecord()
        {
            string path = ResolveStatePath();
            var fresh = new SimulatorState();
            if (IsBound(nameof(UtcNow)))
            {
                fresh.Clock.NowOverrideUtc = TimeUtil.AsUtc(UtcNow);
            }

            DateTime now = SimClock.Now(fresh.Clock);
            ApplyScenario(fresh);
            if (!IsBound(nameof(NextSyncCycleStartTimeInUTC)))
            {
                fresh.NextSyncCycleStartTimeInUTC = now + ServerEngine.EffectiveInterval(fresh.Scenario);
            }

            ServerEngine.ScenarioConnectors(fresh, now);
            StateStore.Replace(path, fresh);

            if (PassThru)
            {
                WriteObject(fresh.Scenario);
            }
        }
    }
}
