using System;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>The simulated server's clock: real UTC time, shifted or frozen for tests.</summary>
    public sealed class ClockSettings
    {
        /// <summary>When set, "now" is this fixed UTC instant (plus OffsetSeconds).</summary>
        public DateTime? NowOverrideUtc { get; set; }

        /// <summary>Seconds added to the clock (real or overridden).</summary>
        public double OffsetSeconds { get; set; }
    }
}
