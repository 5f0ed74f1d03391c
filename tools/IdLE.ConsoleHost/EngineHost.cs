using System;
using System.Globalization;
using System.Management.Automation.Host;

namespace IdLE.ConsoleHost
{
    /// <summary>The PSHost the engine talks to; records the exit code asked for by a top-level 'exit'.</summary>
    internal sealed class EngineHost : PSHost
    {
        private readonly ConsoleUserInterface _ui;

        public EngineHost(ConsoleOutput output)
        {
            _ui = new ConsoleUserInterface(output);
        }

        public int? ExitCode { get; private set; }

        public ConsoleUserInterface ConsoleUI => _ui;

        public override string Name => "IdLE.ConsoleHost";
        public override Version Version { get; } = new Version(0, 1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

        public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

        public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by this host.");

        public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by this host.");

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }
    }
}
