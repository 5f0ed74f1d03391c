using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace IdLE.ConsoleHost
{
    /// <summary>The host's UI: where Out-Default, warnings, verbose, information and progress land.</summary>
    internal sealed class ConsoleUserInterface : PSHostUserInterface
    {
        private readonly ConsoleOutput _output;
        private readonly ConsoleRawUserInterface _raw;
        private readonly ProgressRenderer _progress;

        public ConsoleUserInterface(ConsoleOutput output)
        {
            _output = output;
            _raw = new ConsoleRawUserInterface(output.StdoutIsTerminal);
            _progress = new ProgressRenderer(output, () => _raw.Width);
        }

        public override PSHostRawUserInterface RawUI => _raw;

        public override bool SupportsVirtualTerminal => _output.StdoutIsTerminal;

        public void ClearProgress() => _progress.Clear();

        public override void Write(string value) => _output.Write(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
            _output.Write(value, foregroundColor);

        public override void WriteLine(string value) => _output.WriteLine(value);

        public override void WriteErrorLine(string value) => _output.WriteLine(value, ConsoleColor.Red, toError: true);

        public override void WriteDebugLine(string message) => _output.WriteLine("DEBUG: " + message, ConsoleColor.Yellow);

        public override void WriteVerboseLine(string message) => _output.WriteLine("VERBOSE: " + message, ConsoleColor.Yellow);

        public override void WriteWarningLine(string message) => _output.WriteLine("WARNING: " + message, ConsoleColor.Yellow);

        public override void WriteProgress(long sourceId, ProgressRecord record) => _progress.Show(record);

        public override void WriteInformation(InformationRecord record)
        {
            if (record.MessageData is HostInformationMessage host)
            {
                ConsoleColor? color = host.ForegroundColor;
                if (host.NoNewLine == true)
                {
                    _output.Write(host.Message, color);
                }
                else
                {
                    _output.WriteLine(host.Message, color);
                }

                return;
            }

            _output.WriteLine(record.MessageData?.ToString() ?? string.Empty);
        }

        public override string ReadLine() => Console.ReadLine() ?? string.Empty;

        public override SecureString ReadLineAsSecureString()
        {
            var secure = new SecureString();
            foreach (char c in Console.ReadLine() ?? string.Empty)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            if (!string.IsNullOrEmpty(caption))
            {
                WriteLine(caption);
            }

            if (!string.IsNullOrEmpty(message))
            {
                WriteLine(message);
            }

            var result = new Dictionary<string, PSObject>();
            foreach (FieldDescription field in descriptions)
            {
                Write(field.Name + ": ");
                result[field.Name] = PSObject.AsPSObject(ReadLine());
            }

            return result;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            if (!string.IsNullOrEmpty(message))
            {
                WriteLine(message);
            }

            for (int i = 0; i < choices.Count; i++)
            {
                WriteLine("[" + i + "] " + choices[i].Label.Replace("&", string.Empty));
            }

            Write("Choice (default " + defaultChoice + "): ");
            string answer = ReadLine();
            return int.TryParse(answer, out int chosen) && chosen >= 0 && chosen < choices.Count ? chosen : defaultChoice;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("This host does not prompt for credentials.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("This host does not prompt for credentials.");
    }
}
