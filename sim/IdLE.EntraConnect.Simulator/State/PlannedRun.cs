using System;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>One run profile execution of a cycle, planned up front with its times and result.</summary>
    public sealed class PlannedRun
    {
        public Guid RunHistoryId { get; set; }
        public Guid StepHistoryId { get; set; }
        public Guid ConnectorId { get; set; }
        public string ConnectorName { get; set; } = string.Empty;
        public Guid RunProfileId { get; set; }
        public string RunProfileName { get; set; } = string.Empty;
        public int RunNumber { get; set; }
        public DateTime StartUtc { get; set; }
        public DateTime EndUtc { get; set; }
        public string Result { get; set; } = "success";
    }
}
