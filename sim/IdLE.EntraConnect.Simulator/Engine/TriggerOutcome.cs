namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>What became of a Start-ADSyncSyncCycle request.</summary>
    public enum TriggerKind
    {
        Accepted,
        Busy,
        Suspended,
    }

    public sealed class TriggerOutcome
    {
        private TriggerOutcome(TriggerKind kind, string? busyConnector)
        {
            Kind = kind;
            BusyConnector = busyConnector;
        }

        public TriggerKind Kind { get; }

        /// <summary>For Busy: the connector the error names.</summary>
        public string? BusyConnector { get; }

        public static TriggerOutcome Accepted() => new TriggerOutcome(TriggerKind.Accepted, null);

        public static TriggerOutcome Busy(string connector) => new TriggerOutcome(TriggerKind.Busy, connector);

        public static TriggerOutcome Suspended() => new TriggerOutcome(TriggerKind.Suspended, null);
    }
}
