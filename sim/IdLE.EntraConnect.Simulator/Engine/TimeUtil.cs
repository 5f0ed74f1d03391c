using System;

namespace IdLE.EntraConnect.Simulator.Engine
{
    public static class TimeUtil
    {
        /// <summary>Local → converted to UTC; Unspecified → taken as UTC.</summary>
        public static DateTime AsUtc(DateTime value) => value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(),
            _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        };
    }
}
