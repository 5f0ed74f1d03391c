using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>Where the built modules and the repository are.</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The built module folders (scripts/build.sh); override with IDLE_EC_MODULES.</summary>
    public static string Modules { get; } =
        Environment.GetEnvironmentVariable("IDLE_EC_MODULES") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.Combine(RepoRoot, "out", "modules");

    public static string Provider => Path.Combine(Modules, "IdLE.Provider.EntraConnectSync");
    public static string Steps => Path.Combine(Modules, "IdLE.Steps.EntraConnectSync");
    public static string Simulator => Path.Combine(Modules, "IdLE.EntraConnect.Simulator");

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Scripts", name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cargo.toml")) && Directory.Exists(Path.Combine(dir.FullName, "pwsh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (with Cargo.toml and pwsh/) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// A fresh runspace with the built modules imported by path, as a host would do, and helpers to
/// run script in it. One per test: nothing leaks between tests.
/// </summary>
public sealed class Engine : IDisposable
{
    public Runspace Runspace { get; }

    public Engine(bool importProvider = true, bool importSteps = false, bool importSimulator = false, bool testSessions = true)
    {
        Runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        Runspace.Open();
        if (importProvider)
        {
            Run($"Import-Module -Name '{Paths.Provider}' -ErrorAction Stop");
        }
        if (importSteps)
        {
            Run($"Import-Module -Name '{Paths.Steps}' -ErrorAction Stop");
        }
        if (importSimulator)
        {
            Run($"Import-Module -Name '{Paths.Simulator}' -ErrorAction Stop");
        }
        if (testSessions)
        {
            Run($". '{Paths.Script("TestSessions.ps1")}'");
        }
    }

    /// <summary>Runs script; a terminating error or any error record fails unless allowed.</summary>
    public Collection<PSObject> Run(string script, bool allowErrors = false, IDictionary<string, object?>? variables = null)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables)
            {
                Runspace.SessionStateProxy.SetVariable(name, value);
            }
        }
        ps.AddScript(script);
        Collection<PSObject> result = ps.Invoke();
        if (!allowErrors && ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException("Script wrote errors: " + string.Join(" | ", ps.Streams.Error.Select(e => e.ToString())));
        }
        return result;
    }

    /// <summary>Runs script expected to throw; returns the ErrorRecord it threw.</summary>
    public ErrorRecord RunExpectingError(string script)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException e)
        {
            return e.ErrorRecord;
        }
        if (ps.Streams.Error.Count > 0)
        {
            return ps.Streams.Error[0];
        }
        throw new InvalidOperationException("The script did not fail: " + script);
    }

    /// <summary>Runs script and returns its single output object's value.</summary>
    public object? Value(string script) => Run(script).Select(o => o?.BaseObject).SingleOrDefault();

    public void Dispose() => Runspace.Dispose();
}
