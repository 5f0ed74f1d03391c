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
        public int StageDelete { get; set; }
        public int ExportAdd { get; set; }
        public int ExportUpdate { get; set; }
        public int ExportDelete { get; set; }
        public int ExportFailure { get; set; }
    }
}
