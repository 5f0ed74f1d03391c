namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>The run profile names Entra Connect creates on every connector.</summary>
    public static class RunProfileNames
    {
        public const string FullImport = "Full Import";
        public const string DeltaImport = "Delta Import";
        public const string FullSynchronization = "Full Synchronization";
        public const string DeltaSynchronization = "Delta Synchronization";
        public const string Export = "Export";

        public static readonly string[] All = { FullImport, DeltaImport, FullSynchronization, DeltaSynchronization, Export };
    }
}
