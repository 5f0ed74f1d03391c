using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace IdLE.EntraConnect.Simulator.Tests
{
    /// <summary>Runs the built console host as a separate process.</summary>
    internal static class ProcessRunner
    {
        public static (int ExitCode, string Stdout, string Stderr) RunHost(IEnumerable<string> args, IDictionary<string, string>? environment = null)
        {
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            var start = new ProcessStartInfo(dotnet)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(BuiltArtifacts.ConsoleHostDll);
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            if (environment != null)
            {
                foreach (var pair in environment)
                {
                    start.Environment[pair.Key] = pair.Value;
                }
            }

            using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the console host.");
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(true);
                throw new TimeoutException("The console host did not finish.");
            }

            return (process.ExitCode, stdout, stderr.Result);
        }
    }
}
