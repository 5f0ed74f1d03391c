using System;
using System.Management.Automation;
using IdLE.EntraConnect.Simulator.Engine;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>
    /// Set-ADSyncSimulatorClock: -UtcNow freezes the server's clock; -AdvanceSeconds moves it
    /// (the frozen instant, or the offset of the real clock); -OffsetSeconds sets the offset;
    /// -RealTime goes back to the real clock. Writes the new "now" with -PassThru.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ADSyncSimulatorClock")]
    [OutputType(typeof(DateTime))]
    public sealed class SetADSyncSimulatorClockCommand : SimulatorCmdletBase
    {
        [Parameter] public DateTime UtcNow { get; set; }
        [Parameter] public double AdvanceSeconds { get; set; }
        [Parameter] public double OffsetSeconds { get; set; }
        [Parameter] public SwitchParameter RealTime { get; set; }
        [Parameter] public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            DateTime now = StateStore.Update(ResolveStatePath(), state =>
            {
                ClockSettings clock = state.Clock;
                if (RealTime)
                {
                    clock.NowOverrideUtc = null;
                    clock.OffsetSeconds = 0;
                }

                if (IsBound(nameof(UtcNow)))
                {
                    clock.NowOverrideUtc = TimeUtil.AsUtc(UtcNow);
                    clock.OffsetSeconds = 0;
                }

                if (IsBound(nameof(OffsetSeconds)))
                {
                    clock.OffsetSeconds = OffsetSeconds;
                }

                if (IsBound(nameof(AdvanceSeconds)))
                {
                    if (clock.NowOverrideUtc.HasValue)
                    {
                        clock.NowOverrideUtc = clock.NowOverrideUtc.Value.AddSeconds(AdvanceSeconds);
                    }
                    else
                    {
                        clock.OffsetSeconds += AdvanceSeconds;
                    }
                }

                DateTime current = SimClock.Now(clock);
                ServerEngine.Advance(state, current);
                return current;
            });

            if (PassThru)
            {
                WriteObject(now);
            }
        }
    }
}
