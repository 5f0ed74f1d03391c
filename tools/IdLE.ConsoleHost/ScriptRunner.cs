using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;

namespace IdLE.ConsoleHost
{
    /// <summary>Runs one script or command text in a fresh runspace and works out the exit code.</summary>
    internal sealed class ScriptRunner
    {
        public const int StoppedExitCode = 130;

        private readonly HostOptions _options;
        private readonly ConsoleOutput _output = new ConsoleOutput();

        public ScriptRunner(HostOptions options)
        {
            _options = options;
        }

        public int Run()
        {
            PrependModulePaths();
            var host = new EngineHost(_output);
            InitialSessionState state = InitialSessionState.CreateDefault2();
            if (OperatingSystem.IsWindows())
            {
                state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
            }

            using Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
            runspace.Open();
            if (!_output.StdoutIsTerminal || Environment.GetEnvironmentVariable("NO_COLOR") != null)
            {
                using PowerShell style = PowerShell.Create();
                style.Runspace = runspace;
                style.AddScript("$PSStyle.OutputRendering = 'PlainText'").Invoke();
            }
            if (_options.Verbose)
            {
                runspace.SessionStateProxy.SetVariable("VerbosePreference", ActionPreference.Continue);
            }

            using PowerShell shell = PowerShell.Create();
            shell.Runspace = runspace;
            Command command = BuildCommand();
            command.MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
            shell.Commands.AddCommand(command);
            shell.AddCommand("Out-Default");

            int stopRequested = 0;
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                if (Interlocked.Exchange(ref stopRequested, 1) == 0)
                {
                    shell.BeginStop(null, null);
                }
            };
            Console.CancelKeyPress += onCancel;

            bool failed = false;
            try
            {
                shell.Invoke();
            }
            catch (PipelineStoppedException)
            {
                failed = true;
            }
            catch (RuntimeException e)
            {
                failed = true;
                host.ConsoleUI.ClearProgress();
                ReportTerminatingError(runspace, e.ErrorRecord);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                host.ConsoleUI.ClearProgress();
            }

            if (host.ExitCode.HasValue)
            {
                return host.ExitCode.Value;
            }

            if (stopRequested != 0 || shell.InvocationStateInfo.State == PSInvocationState.Stopped)
            {
                return StoppedExitCode;
            }

            if (failed)
            {
                return 1;
            }

            object? last = runspace.SessionStateProxy.GetVariable("LASTEXITCODE");
            return last is int code ? code : 0;
        }

        private Command BuildCommand()
        {
            if (_options.Command != null)
            {
                return new Command(_options.Command, isScript: true);
            }

            string path = Path.GetFullPath(_options.ScriptPath!);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("The script '" + _options.ScriptPath + "' does not exist.", path);
            }

            var command = new Command(path, isScript: false);
            ScriptArguments.Bind(command, _options.ScriptArguments);
            return command;
        }

        private void PrependModulePaths()
        {
            if (_options.ModulePaths.Count == 0)
            {
                return;
            }

            string current = Environment.GetEnvironmentVariable("PSModulePath") ?? string.Empty;
            string added = string.Join(Path.PathSeparator, _options.ModulePaths.ConvertAll(Path.GetFullPath));
            Environment.SetEnvironmentVariable("PSModulePath", current.Length == 0 ? added : added + Path.PathSeparator + current);
        }

        /// <summary>Shows a terminating error the way pwsh does: the engine's error view, on the error stream.</summary>
        private void ReportTerminatingError(Runspace runspace, ErrorRecord record)
        {
            try
            {
                // Out-Default renders the engine's error view (ConciseView) with the script position;
                // its lines are sent to the error stream while this runs.
                using PowerShell shell = PowerShell.Create();
                shell.Runspace = runspace;
                var wrapped = new PSObject(record);
                wrapped.Properties.Add(new PSNoteProperty("writeErrorStream", true));
                shell.AddCommand("Out-Default");
                _output.RouteToError = true;
                try
                {
                    shell.Invoke(new[] { wrapped });
                }
                finally
                {
                    _output.RouteToError = false;
                }

                return;
            }
            catch (RuntimeException)
            {
            }

            _output.WriteLine(ErrorText.Format(record), ConsoleColor.Red, toError: true);
        }
    }
}
