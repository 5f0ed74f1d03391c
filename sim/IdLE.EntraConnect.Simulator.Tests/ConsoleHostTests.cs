using System;
using System.IO;
using Xunit;

namespace IdLE.EntraConnect.Simulator.Tests
{
    public sealed class ConsoleHostTests
    {
        private static string Script(string text)
        {
            string dir = Path.Combine(Path.GetTempPath(), "idle-consolehost-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "script.ps1");
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void Output_warning_progress_and_a_terminating_error_give_exit_code_1()
        {
            string path = Script(
                "param([string]$Name = 'nobody')\n" +
                "function Show { [CmdletBinding()] param()\n" +
                "  $PSCmdlet.WriteWarning('careful')\n" +
                "  $PSCmdlet.WriteVerbose('chatty')\n" +
                "  $r = [System.Management.Automation.ProgressRecord]::new(1, 'Working', 'half'); $r.PercentComplete = 50; $PSCmdlet.WriteProgress($r)\n" +
                "  $Host.UI.WriteLine('host line') }\n" +
                "\"hello $Name\"\n" +
                "Show\n" +
                "throw 'boom'\n");
            var (code, stdout, stderr) = ProcessRunner.RunHost(new[] { path, "--", "-Name", "world" });
            Assert.Equal(1, code);
            Assert.Contains("hello world", stdout);
            Assert.Contains("WARNING: careful", stdout);
            Assert.DoesNotContain("chatty", stdout);
            Assert.Contains("host line", stdout);
            Assert.Contains("PROGRESS: Working: half (50%)", stdout);
            Assert.Contains("boom", stderr);
            Assert.Contains("script.ps1", stderr);
            Assert.DoesNotContain("\u001b[", stdout);
        }

        [Fact]
        public void Verbose_flag_non_terminating_errors_and_exit_N()
        {
            string path = Script(
                "function V { [CmdletBinding()] param() $PSCmdlet.WriteVerbose('chatty'); $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new('soft'), 'Soft', 'NotSpecified', $null)) }\n" +
                "V\n'still here'\n[pscustomobject]@{ Answer = 42 }\nexit 3\n");
            var (code, stdout, stderr) = ProcessRunner.RunHost(new[] { path, "-Verbose" });
            Assert.Equal(3, code);
            Assert.Contains("VERBOSE: chatty", stdout);
            Assert.Contains("still here", stdout);
            Assert.Matches(@"Answer\s*\n-+\s*\n\s*42", stdout.Replace("\r", string.Empty));
            Assert.Contains("soft", stderr);
        }

        [Fact]
        public void Command_text_runs_and_success_is_exit_code_0()
        {
            var (code, stdout, _) = ProcessRunner.RunHost(new[] { "-Command", "1 + 1" });
            Assert.Equal(0, code);
            Assert.Equal("2", stdout.Trim());
            Assert.Equal(5, ProcessRunner.RunHost(new[] { "-Command", "exit 5" }).ExitCode);
        }
    }
}
