using System;

namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>One step of a run (run profiles here have a single step).</summary>
    public sealed class RunStepResult
    {
        public Guid RunHistoryId { get; set; }
        public Guid StepHistoryId { get; set; }
        public int StepNumber { get; set; }
        public string StepResult { get; set; } = string.Empty;
        public DateTime StartDate { get; set; }
        public DateTime? EndDate { get; set; }
        public int StageNoChange { get; set; }
        public int StageAdd { get; set; }
        public int StageUpdate { get; set; }
        public int StageRename { get; set; }
        public int StageDelete { get; set; }
        public int StageDeleteAdd { get; set; }
        public int StageFailure { get; set; }
        public int ExportAdd { get; set; }
        public int ExportUpdate { get; set; }
        public int ExportRename { get; set; }
        public int ExportDelete { get; set; }
        public int ExportDeleteAdd { get; set; }
        public int ExportFailure { get; set; }
        public string ConnectorConnectionInformationXml { get; set; } = string.Empty;
        public ConnectorDiscoveryErrors ConnectorDiscoveryErrors { get; set; } = new ConnectorDiscoveryErrors();
        public SyncErrors SyncErrors { get; set; } = new SyncErrors();
    }

    /// <summary>The discovery errors of a step (ADSync keeps them as XML).</summary>
    public sealed class ConnectorDiscoveryErrors
    {
        public string ConnectorDiscoveryErrorsXml { get; set; } = string.Empty;
    }

    /// <summary>The per-object errors of a step (ADSync keeps them as XML).</summary>
    public sealed class SyncErrors
    {
        public string SyncErrorsXml { get; set; } = string.Empty;
    }
}
