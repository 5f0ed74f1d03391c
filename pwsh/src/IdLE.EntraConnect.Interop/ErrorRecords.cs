using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>Turns what a .NET call threw into the ErrorRecord the user should see.</summary>
public static class ErrorRecords
{
    /// <summary>
    /// PowerShell wraps an exception from a .NET method in MethodInvocationException; this returns
    /// the classified ErrorRecord inside, so the stable ErrorId and category reach the caller.
    /// Anything unclassified is returned as it came.
    /// </summary>
    public static ErrorRecord Unwrap(ErrorRecord caught)
    {
        for (Exception? e = caught.Exception; e is not null; e = e.InnerException)
        {
            if (e is DirectorySyncException classified)
            {
                return classified.ErrorRecord;
            }
            if (e is PipelineStoppedException)
            {
                return caught;
            }
        }
        return caught;
    }

    /// <summary>
    /// True when <paramref name="caught"/> is a stop request (Ctrl+C, <c>PowerShell.Stop()</c>),
    /// however PowerShell wrapped it. A ScriptMethod that is stopped while it runs reaches its
    /// caller as <c>Exception calling "..."</c> around the stop, when the caller's pipeline is
    /// not yet flagged as stopping; such an error must end the step as cancelled, not be
    /// classified as a failure of the server.
    /// </summary>
    public static bool IsStop(ErrorRecord caught) => FindStop(caught.Exception) is not null;

    /// <summary>The stop request somewhere in <paramref name="e"/>'s chain of inner exceptions, if any.</summary>
    internal static PipelineStoppedException? FindStop(Exception? e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is PipelineStoppedException stopped)
            {
                return stopped;
            }
        }
        return null;
    }

    /// <summary>The innermost classified exception under <paramref name="caught"/>, if any.</summary>
    public static DirectorySyncException? FindClassified(ErrorRecord caught)
    {
        for (Exception? e = caught.Exception; e is not null; e = e.InnerException)
        {
            if (e is DirectorySyncException classified)
            {
                return classified;
            }
            if (e is IContainsErrorRecord { ErrorRecord.Exception: DirectorySyncException inner } && !ReferenceEquals(inner, e))
            {
                return inner;
            }
        }
        return null;
    }

    /// <summary>The ErrorRecord for a native core that could not be loaded (missing file, wrong ABI).</summary>
    public static ErrorRecord FromLoadFailure(ErrorRecord caught)
    {
        Exception root = caught.Exception;
        while (root.InnerException is not null && root is MethodInvocationException or System.Reflection.TargetInvocationException or TypeInitializationException)
        {
            root = root.InnerException;
        }
        // The library did not load, so the core cannot be asked: the one row C# holds itself.
        FailureClasses.Row row = FailureClasses.NativeLibraryUnavailable;
        var wrapped = new DirectorySyncException(row.Class, row.ErrorId, row.Category, row.Transient, root.Message, null, NativeLibraryLocator.LibraryPath, root);
        return wrapped.ErrorRecord;
    }
}
