using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>How the interop layer finds and loads the native core. A library loads once per
/// process, so the failure paths run in a fresh process (the repository's console host).</summary>
public class LoaderTests
{
    private static (int ExitCode, string Output) RunHost(string command, string? nativeOverride)
    {
        var host = Path.Combine(Paths.RepoRoot, "out", "host", "IdLE.ConsoleHost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add("-Command");
        start.ArgumentList.Add(command);
        if (nativeOverride is not null)
        {
            start.Environment["IDLE_ENTRACONNECT_NATIVE_PATH"] = nativeOverride;
        }
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        return (process.ExitCode, output);
    }

    [Fact]
    public void The_library_is_found_under_runtimes_rid_native_beside_the_manifest()
    {
        using var engine = new Engine();
        var r = engine.Run(@"
            [IdLE.EntraConnect.Interop.NativeLibraryLocator]::RuntimeIdentifier
            [IdLE.EntraConnect.Interop.NativeLibraryLocator]::LibraryPath
            [IdLE.EntraConnect.Interop.EntraConnectProvider]::NativeVersion").Select(o => (string)o.BaseObject).ToArray();
        Assert.Matches("^(win|linux|osx)-(x64|arm64)$", r[0]);
        Assert.Equal(Path.Combine(Paths.Provider, "runtimes", r[0], "native"), Path.GetDirectoryName(r[1]));
        Assert.True(File.Exists(r[1]));
        Assert.Matches(@"^\d+\.\d+\.\d+", r[2]);
    }

    [Fact]
    public void A_missing_library_fails_with_the_rid_and_the_path()
    {
        string missing = Path.Combine(Path.GetTempPath(), "idle-ec-no-such-dir", "libidle_entraconnect.so");
        var (exit, output) = RunHost(
            $"Import-Module '{Paths.Provider}'; try {{ New-IdleEntraConnectDirectorySyncProvider }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }}",
            missing);
        Assert.Equal(3, exit);
        Assert.Contains("IdLE.DirectorySync.NativeLibraryUnavailable", output);
        Assert.Contains(missing, output);
        Assert.Matches("(win|linux|osx)-(x64|arm64)", output);
        Assert.Contains("IDLE_ENTRACONNECT_NATIVE_PATH", output);
    }

    [Fact]
    public void A_relative_override_is_refused_rather_than_resolved_against_the_process_directory()
    {
        var (exit, output) = RunHost(
            $"Import-Module '{Paths.Provider}'; try {{ New-IdleEntraConnectDirectorySyncProvider }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }}",
            Path.Combine("lib", "libidle_entraconnect.so"));
        Assert.Equal(3, exit);
        Assert.Contains("IdLE.DirectorySync.NativeLibraryUnavailable", output);
        Assert.Contains("must be an absolute path", output);
    }

    [Fact]
    public void A_file_that_is_not_a_library_fails_cleanly_without_crashing_the_process()
    {
        string junk = Path.Combine(Path.GetTempPath(), $"idle-ec-junk-{System.Guid.NewGuid():N}.so");
        File.WriteAllText(junk, "not a shared library");
        try
        {
            var (exit, output) = RunHost(
                $"Import-Module '{Paths.Provider}'; try {{ New-IdleEntraConnectDirectorySyncProvider }} catch {{ $_.FullyQualifiedErrorId; exit 3 }}; 'unreachable'",
                junk);
            Assert.Equal(3, exit);
            Assert.Contains("IdLE.DirectorySync.NativeLibraryUnavailable", output);
        }
        finally
        {
            File.Delete(junk);
        }
    }
}
