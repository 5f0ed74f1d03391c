using System;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>A connector of the simulated server and its run counter.</summary>
    public sealed class ConnectorData
    {
        public Guid Identifier { get; set; }
        public string Name { get; set; } = string.Empty;

        /// <summary>True for the Entra ID connector, false for an AD connector.</summary>
        public bool IsEntra { get; set; }

        public int LastRunNumber { get; set; }
        public DateTime CreationTime { get; set; }
    }
}
