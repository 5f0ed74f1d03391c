using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The native side of the provider object. The module's ScriptMethods call into it; it checks the
/// AuthSession, calls the core with a callback table over it, and returns the core's result as
/// PowerShell objects or throws a <see cref="DirectorySyncException"/>.
/// </summary>
public sealed unsafe class EntraConnectProvider : IDisposable
{
    private readonly ProviderHandle _handle = new();

    /// <summary>Loads the native core (once per process) and creates a provider.</summary>
    public EntraConnectProvider()
    {
        NativeApi.EnsureLoaded();
        IntPtr created;
        byte* error = null;
        NativeStatus status = NativeApi.ProviderNew(null, &created, &error);
        string? errorJson = NativeApi.TakeString(error);
        if (status != NativeStatus.Ok)
        {
            throw DirectorySyncException.FromFailureJson(errorJson);
        }
        _handle.Set(created);
    }

    /// <summary>The version of the loaded native core.</summary>
    public static string NativeVersion => NativeApi.LibraryVersion;

    /// <summary>Triggers a sync cycle of <paramref name="policyType"/> through <paramref name="authSession"/>.</summary>
    public PSObject StartSyncCycle(string? policyType, object? authSession)
    {
        ThrowIfDisposed("StartSyncCycle");
        // The core reads the policy type as a C string: a NUL would cut "Delta\0..." to "Delta".
        if (policyType is not null && policyType.Contains('\0'))
        {
            throw DirectorySyncException.NulInArgument("PolicyType");
        }
        PSObject session = RequireSession(authSession, "StartSyncCycle");
        byte[] policy = NativeApi.Utf8Z(policyType ?? string.Empty);
        return Call("StartSyncCycle", session, (p, table) =>
        {
            fixed (byte* policyPtr = policy)
            {
                byte* output = null;
                NativeStatus status = NativeApi.ProviderStartSyncCycle(p, policyPtr, (NativeSession*)table, &output);
                return (status, NativeApi.TakeString(output));
            }
        });
    }

    /// <summary>Reads the scheduler's state through <paramref name="authSession"/>.</summary>
    public PSObject GetSyncCycleState(object? authSession)
    {
        ThrowIfDisposed("GetSyncCycleState");
        PSObject session = RequireSession(authSession, "GetSyncCycleState");
        return Call("GetSyncCycleState", session, (p, table) =>
        {
            byte* output = null;
            NativeStatus status = NativeApi.ProviderGetSyncCycleState(p, (NativeSession*)table, &output);
            return (status, NativeApi.TakeString(output));
        });
    }

    /// <summary>
    /// Reads the run history through <paramref name="authSession"/>: the runs newer than
    /// <paramref name="since"/> (null: only take a reference). <paramref name="since"/> is the
    /// <c>Reference</c> an earlier call returned (hashtable or object), or a server UTC time.
    /// </summary>
    public PSObject GetSyncCycleRuns(object? since, object? authSession)
    {
        ThrowIfDisposed("GetSyncCycleRuns");
        PSObject session = RequireSession(authSession, "GetSyncCycleRuns");
        object? plain = since is PSObject wrapped ? wrapped.BaseObject : since;
        byte[]? sinceJson = plain is null ? null : NativeApi.Utf8Z(JsonBridge.ToJson(since));
        return Call("GetSyncCycleRuns", session, (p, table) =>
        {
            fixed (byte* sincePtr = sinceJson)
            {
                byte* output = null;
                NativeStatus status = NativeApi.ProviderGetSyncCycleRuns(p, sincePtr, (NativeSession*)table, &output);
                return (status, NativeApi.TakeString(output));
            }
        });
    }

    private void ThrowIfDisposed(string method)
    {
        if (_handle.IsClosed || _handle.IsInvalid)
        {
            throw DirectorySyncException.ProviderDisposed(method);
        }
    }

    private PSObject Call(string method, PSObject session, Func<IntPtr, IntPtr, (NativeStatus, string?)> native)
    {
        ThrowIfDisposed(method);
        var trampoline = new SessionTrampoline(session);
        bool added = false;
        (NativeStatus status, string? json) result;
        try
        {
            try
            {
                // Disposed between the check and here (another thread, or a callback of an
                // earlier call): the same classified error. While referenced, the native
                // provider stays alive even when Dispose() runs inside this call's callback.
                _handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException e)
            {
                throw DirectorySyncException.ProviderDisposed(method, e);
            }
            IntPtr provider = _handle.DangerousGetHandle();
            result = trampoline.WithTable(table => native(provider, table));
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
        // A stop request must keep travelling up the pipeline, not become a directory sync error.
        if (trampoline.Failure is PipelineStoppedException stopped)
        {
            throw stopped;
        }
        // A classified failure of a nested call (the session called this provider again and
        // was refused as re-entrant) travels out as it is, not as a failure of the server.
        if (trampoline.Failure is DirectorySyncException nested)
        {
            throw nested;
        }
        if (result.status == NativeStatus.Ok && result.json is not null)
        {
            return (PSObject)JsonBridge.FromJson(result.json)!;
        }
        throw DirectorySyncException.FromFailureJson(result.json, trampoline.Failure);
    }

    /// <summary>Rejects anything that cannot run commands, before any remote work.</summary>
    internal static PSObject RequireSession(object? authSession, string method)
    {
        if (authSession is null)
        {
            throw DirectorySyncException.InvalidSession(
                $"{method} needs an AuthSession with an InvokeCommand(CommandName, Parameters) method, but none was given. " +
                "The host must supply one through its AuthSessionBroker.");
        }
        PSObject session = PSObject.AsPSObject(authSession);
        if (session.Methods["InvokeCommand"] is null)
        {
            string typeName = SafeText.Echo(session.TypeNames.Count > 0 ? session.TypeNames[0] : authSession.GetType().FullName ?? "object");
            throw DirectorySyncException.InvalidSession(
                $"The AuthSession given to {method} (a {typeName}) has no InvokeCommand(CommandName, Parameters) method. " +
                "The host must supply a session with InvokeCommand through its AuthSessionBroker.");
        }
        return session;
    }

    /// <summary>Frees the native provider now rather than at finalization.</summary>
    public void Dispose() => _handle.Dispose();
}
