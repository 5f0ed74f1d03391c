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
    public static string RuntimeIdentifier => ForThisProcess().RuntimeIdentifier;

    /// <summary>The native library's file name on this OS.</summary>
    public static string LibraryFileName => ForThisProcess().FileName;

    /// <summary>
    /// The folder (<c>runtimes/&lt;RuntimeIdentifier&gt;/native/</c>) and file name of the native
    /// library for a platform: a pure function of the OS, the process architecture and, on Linux,
    /// whether the C library is musl. Public so that every combination can be tested on any one
    /// machine.
    /// </summary>
    /// <remarks>
    /// musl (Alpine) cannot load the glibc build: it gets its own RID (<c>linux-musl-x64</c>), which
    /// the package does not ship, so the load fails naming it instead of with a loader error. An OS
    /// the module knows nothing of is named by <paramref name="os"/>'s own name, in lower case.
    /// </remarks>
    public static NativeLibraryChoice Choose(OSPlatform os, Architecture architecture, bool isMusl)
    {
        string prefix;
        string fileName;
        if (os == OSPlatform.Windows)
        {
            prefix = "win";
            fileName = "idle_entraconnect.dll";
        }
        else if (os == OSPlatform.OSX)
        {
            prefix = "osx";
            fileName = "libidle_entraconnect.dylib";
        }
        else
        {
            prefix = os == OSPlatform.Linux ? (isMusl ? "linux-musl" : "linux") : os.ToString().ToLowerInvariant();
            fileName = "libidle_entraconnect.so";
        }
        string arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        return new NativeLibraryChoice(prefix + "-" + arch, fileName);
    }

    private static NativeLibraryChoice ForThisProcess()
    {
        OSPlatform os = OperatingSystem.IsWindows() ? OSPlatform.Windows
            : OperatingSystem.IsMacOS() ? OSPlatform.OSX
            : OperatingSystem.IsLinux() ? OSPlatform.Linux
            : OperatingSystem.IsFreeBSD() ? OSPlatform.FreeBSD
            : OSPlatform.Create(RuntimeInformation.OSDescription);
        return Choose(os, RuntimeInformation.ProcessArchitecture, OperatingSystem.IsLinux() && IsMusl());
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

/// <summary>Where the native library for one platform lives under the module folder.</summary>
public sealed class NativeLibraryChoice
{
    internal NativeLibraryChoice(string runtimeIdentifier, string fileName)
    {
        RuntimeIdentifier = runtimeIdentifier;
        FileName = fileName;
    }

    /// <summary>The runtime identifier, the folder name under <c>runtimes/</c> (<c>win-x64</c>, <c>linux-musl-arm64</c>, ...).</summary>
    public string RuntimeIdentifier { get; }

    /// <summary>The library's file name in <c>runtimes/&lt;RuntimeIdentifier&gt;/native/</c>.</summary>
    public string FileName { get; }

    /// <summary>The library's path relative to the module folder, with '/' separators.</summary>
    public string RelativePath => "runtimes/" + RuntimeIdentifier + "/native/" + FileName;

    /// <inheritdoc />
    public override string ToString() => RelativePath;
}
