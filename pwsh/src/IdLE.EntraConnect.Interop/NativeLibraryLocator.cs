using System;
using System.IO;
using System.Runtime.InteropServices;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Finds the native core for this process: <c>runtimes/&lt;rid&gt;/native/</c> under the folder
/// that holds this assembly, or the file named by <see cref="OverrideVariable"/>.
/// </summary>
public static class NativeLibraryLocator
{
    /// <summary>Environment variable holding an absolute path to use instead of the bundled library.</summary>
    public const string OverrideVariable = "IDLE_ENTRACONNECT_NATIVE_PATH";

    /// <summary>The runtime identifier the module ships a library for, for this OS and process architecture.</summary>
    public static string RuntimeIdentifier
    {
        get
        {
            // musl (Alpine) cannot load the glibc build: it gets its own RID, which the package
            // does not ship, so the load fails naming it instead of with a loader error.
            string os = OperatingSystem.IsWindows() ? "win"
                : OperatingSystem.IsMacOS() ? "osx"
                : OperatingSystem.IsLinux() && IsMusl() ? "linux-musl"
                : OperatingSystem.IsLinux() ? "linux"
                : RuntimeInformation.OSDescription;
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + arch;
        }
    }

    /// <summary>
    /// A musl libc process: .NET's own RID says so (<c>linux-musl-x64</c>), or a distribution's
    /// .NET build names the distribution (<c>alpine.3.20-x64</c>).
    /// </summary>
    private static bool IsMusl()
    {
        string rid = RuntimeInformation.RuntimeIdentifier;
        return rid.Contains("musl", StringComparison.OrdinalIgnoreCase)
            || rid.StartsWith("alpine", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The native library's file name on this OS.</summary>
    public static string LibraryFileName =>
        OperatingSystem.IsWindows() ? "idle_entraconnect.dll"
        : OperatingSystem.IsMacOS() ? "libidle_entraconnect.dylib"
        : "libidle_entraconnect.so";

    /// <summary>The folder the module ships in (the folder holding this assembly).</summary>
    public static string ModuleDirectory =>
        Path.GetDirectoryName(typeof(NativeLibraryLocator).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>The absolute path the library is loaded from.</summary>
    public static string LibraryPath
    {
        get
        {
            string? overridePath = Environment.GetEnvironmentVariable(OverrideVariable);
            if (!string.IsNullOrWhiteSpace(overridePath))
            {
                return overridePath;
            }
            return Path.Combine(ModuleDirectory, "runtimes", RuntimeIdentifier, "native", LibraryFileName);
        }
    }

    /// <summary>Loads the library by absolute path; a missing file fails with the RID and the path.</summary>
    internal static IntPtr Load()
    {
        string? overridePath = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridePath) && !Path.IsPathFullyQualified(overridePath))
        {
            // Relative to what? The process's directory is not PowerShell's $PWD: refuse to guess.
            throw new DllNotFoundException(
                $"{OverrideVariable} must be an absolute path to the IdLE Entra Connect native library, not '{overridePath}'.");
        }
        string path = LibraryPath;
        string rid = RuntimeIdentifier;
        if (!File.Exists(path))
        {
            throw new DllNotFoundException(
                $"The IdLE Entra Connect native library for platform '{rid}' was not found at '{path}'. " +
                $"This module build may not include '{rid}'; install a package that does, or set {OverrideVariable} to the library's absolute path.");
        }
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new DllNotFoundException(
                $"The IdLE Entra Connect native library at '{path}' could not be loaded for platform '{rid}': {e.Message}", e);
        }
    }
}
