using System;
using System.Collections.Generic;

namespace Microsoft.IdentityManagement.PowerShell.ObjectModel
{
    /// <summary>One run profile execution (Get-ADSyncRunProfileResult), newest first.</summary>
    public sealed class RunHistory
    {
        public Guid RunHistoryId { get; set; }
        public Guid ConnectorId { get; set; }
        public string ConnectorName { get; set; } = string.Empty;
        public Guid RunProfileId { get; set; }
        public string RunProfileName { get; set; } = string.Empty;
        public int RunNumber { get; set; }
        public string Username { get; set; } = string.Empty;
        public bool IsRunComplete { get; set; }

        /// <summary>Lower-case result such as "success", "in-progress", "stopped-server-down".</summary>
        public string Result { get; set; } = string.Empty;

        public int CurrentStepNumber { get; set; }
        public int TotalSteps { get; set; }

        /// <summary>UTC.</summary>
        public DateTime StartDate { get; set; }

        /// <summary>UTC; null while the run is in progress.</summary>
        public DateTime? EndDate { get; set; }

        public List<RunStepResult> RunStepResults { get; set; } = new List<RunStepResult>();
    }
}
