using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Runs a session's command in a nested pipeline of the caller's runspace, so that the errors it
/// only *writes* (the server's "busy" error is non-terminating) are captured instead of slipping
/// past as success. A method call writes such errors to the outermost pipeline's error stream,
/// past any redirection around the call; a pipeline of our own is where they land instead,
/// however deep in the session's own method calls they are written.
/// </summary>
/// <remarks>
/// The nested pipeline is most of a provider call's own cost: at steady state it costs about as
/// much as a whole pure-PowerShell provider call that does not capture (bench/Invoke-Benchmark.ps1).
/// The one cheaper capture found, <c>$script.InvokeWithContext(...) 2&gt;&amp;1</c> with
/// <c>$this</c> bound (1–3 µs over calling the session directly), misses
/// errors written two method calls deep in the session (ProviderEdges.Tests.ps1 pins that case);
/// turning errors into exceptions with <c>$ErrorActionPreference = 'Stop'</c> would change how
/// the host's own session code runs. docs/performance.md has the figures.
/// </remarks>
internal static class SessionCapture
{
    /// <summary>
    /// Runs what <paramref name="addCommand"/> puts into a nested pipeline of the caller's runspace
    /// and adds what that pipeline's error stream holds to <paramref name="errors"/>. A stop and a
    /// classified failure of ours travel on as exceptions; any other exception becomes an error.
    /// </summary>
    internal static Collection<PSObject>? RunNested(Action<PowerShell> addCommand, List<RemoteErrorInfo> errors)
    {
        using PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        addCommand(ps);
        Collection<PSObject>? results = null;
        try
        {
            results = ps.Invoke();
            // A stop that reaches the nested pipeline may end it without an exception; its
            // partial (often empty) output must not be read as the server's answer.
            if (ps.InvocationStateInfo.State == PSInvocationState.Stopped)
            {
                throw new PipelineStoppedException();
            }
        }
        catch (Exception e) when (!IsStopOrClassified(e))
        {
            errors.Add(RemoteErrorInfo.FromException(e));
        }
        foreach (ErrorRecord record in ps.Streams.Error)
        {
            errors.Add(RemoteErrorInfo.FromErrorRecord(record, terminating: false));
        }
        return results;
    }

    /// <summary>A stop, or a classified failure of one of our providers, however PowerShell wrapped it.</summary>
    internal static bool IsStopOrClassified(Exception e) => ErrorRecords.FindStop(e) is not null || FindClassified(e) is not null;

    /// <summary>A classified exception of ours inside <paramref name="e"/>, however PowerShell wrapped it.</summary>
    internal static DirectorySyncException? FindClassified(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is DirectorySyncException classified)
            {
                return classified;
            }
            if (inner is IContainsErrorRecord { ErrorRecord.Exception: DirectorySyncException carried })
            {
                return carried;
            }
        }
        return null;
    }
}
