using System.Management.Automation;
using System.Text;

namespace IdLE.ConsoleHost
{
    /// <summary>A plain rendering of an error record, used when the engine's error view is unavailable.</summary>
    internal static class ErrorText
    {
        public static string Format(ErrorRecord record)
        {
            var text = new StringBuilder();
            InvocationInfo? where = record.InvocationInfo;
            if (where != null && !string.IsNullOrEmpty(where.ScriptName))
            {
                text.Append(where.ScriptName).Append(':').Append(where.ScriptLineNumber).Append(':').Append(where.OffsetInLine).AppendLine();
                text.Append("Line |").AppendLine();
                text.Append(where.ScriptLineNumber.ToString().PadLeft(4)).Append(" | ").Append(where.Line?.TrimEnd()).AppendLine();
            }

            text.Append(record.ToString());
            return text.ToString();
        }
    }
}
