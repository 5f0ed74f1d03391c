using System.Collections.Generic;
using System.Management.Automation;

namespace IdLE.EntraConnect.Simulator.Cmdlets
{
    /// <summary>What a cmdlet computed under the state lock, written to the pipeline after the lock is released.</summary>
    public sealed class CmdletOutcome
    {
        public List<object> Output { get; } = new List<object>();
        public List<ErrorRecord> Errors { get; } = new List<ErrorRecord>();
        public ErrorRecord? Terminating { get; set; }

        public static CmdletOutcome Fail(ErrorRecord record) => new CmdletOutcome { Terminating = record };
    }
}
