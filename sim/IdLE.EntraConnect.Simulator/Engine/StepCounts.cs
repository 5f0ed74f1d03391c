using System;
using System.Linq;
using System.Text;
using IdLE.EntraConnect.Simulator.State;
using Microsoft.IdentityManagement.PowerShell.ObjectModel;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>
    /// The per-step counts of a run, fixed by its profile and result so tests can expect them:
    /// an import stages 1 add, 2 updates and 10 unchanged objects; a synchronization leaves 13
    /// unchanged; an export exports 1 add and 2 updates. Errors follow the result:
    /// <c>completed-export-errors</c> 3 export failures (listed in SyncErrorsXml),
    /// <c>completed-sync-errors</c> 2 sync errors, <c>completed-discovery-errors</c> 2 discovery
    /// errors, other <c>completed-*-errors</c> 1 stage failure; <c>stopped-*</c> and
    /// <c>no-start-*</c> runs count nothing and list 1 discovery error (the connection failure).
    /// </summary>
    public static class StepCounts
    {
        public const int ExportErrors = 3;
        public const int SyncErrors = 2;
        public const int DiscoveryErrors = 2;

        public static RunStepResult For(PlannedRun run, bool complete, string result, DateTime start, DateTime? end)
        {
            var step = new RunStepResult
            {
                RunHistoryId = run.RunHistoryId,
                StepHistoryId = run.StepHistoryId,
                StepNumber = 1,
                StepResult = result,
                StartDate = start,
                EndDate = end,
                ConnectorConnectionInformationXml = "<connection-info><server>" + run.ConnectorName + "</server></connection-info>",
            };
            if (!complete)
            {
                return step;
            }

            string r = run.Result;
            if (r.StartsWith("stopped-", StringComparison.Ordinal) || r.StartsWith("no-start", StringComparison.Ordinal))
            {
                step.ConnectorDiscoveryErrors.ConnectorDiscoveryErrorsXml = ErrorsXml("discovery-errors", "discovery-error", 1, r);
                return step;
            }

            bool export = run.RunProfileName == RunProfileNames.Export;
            bool import = run.RunProfileName.EndsWith("Import", StringComparison.Ordinal);
            if (import)
            {
                step.StageAdd = 1;
                step.StageUpdate = 2;
                step.StageNoChange = 10;
            }
            else if (export)
            {
                step.ExportAdd = 1;
                step.ExportUpdate = 2;
            }
            else
            {
                step.StageNoChange = 13;
            }

            if (r == "completed-export-errors")
            {
                step.ExportFailure = ExportErrors;
                step.SyncErrors.SyncErrorsXml = ErrorsXml("synchronization-errors", "export-error", ExportErrors, r);
            }
            else if (r == "completed-sync-errors")
            {
                step.SyncErrors.SyncErrorsXml = ErrorsXml("synchronization-errors", "sync-error", SyncErrors, r);
            }
            else if (r == "completed-discovery-errors")
            {
                step.ConnectorDiscoveryErrors.ConnectorDiscoveryErrorsXml = ErrorsXml("discovery-errors", "discovery-error", DiscoveryErrors, r);
            }
            else if (r.StartsWith("completed-", StringComparison.Ordinal) && r.EndsWith("-errors", StringComparison.Ordinal))
            {
                step.StageFailure = 1;
            }

            return step;
        }

        private static string ErrorsXml(string root, string element, int count, string result)
        {
            var xml = new StringBuilder("<" + root + ">");
            foreach (int i in Enumerable.Range(1, count))
            {
                xml.Append("<" + element + " cs-guid=\"{" + new Guid(i, 0, 0, new byte[8]).ToString().ToUpperInvariant() + "}\">");
                xml.Append("<error-type>" + result + "</error-type></" + element + ">");
            }

            return xml.Append("</" + root + ">").ToString();
        }
    }
}
