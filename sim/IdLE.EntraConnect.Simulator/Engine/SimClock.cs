using System;
using IdLE.EntraConnect.Simulator.State;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>The server's notion of "now" (UTC): real time, or the override, plus the offset.</summary>
    public static class SimClock
    {
        public static DateTime Now(ClockSettings clock)
        {
            DateTime baseTime = clock.NowOverrideUtc.HasValue
                ? TimeUtil.AsUtc(clock.NowOverrideUtc.Value)
                : DateTime.UtcNow;
            return baseTime.AddSeconds(clock.OffsetSeconds);
        }
    }
}
