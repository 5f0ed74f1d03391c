using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

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

    private RemoteSessionOptions? _remoteSessionOptions;

    /// <summary>
    /// How the provider opens sessions for a <see cref="PSCredential"/> AuthSession: the defaults
    /// until <see cref="SetRemoteSessionOptions"/> (the factory always calls it, so the core checks
    /// the options once per provider).
    /// </summary>
    public RemoteSessionOptions RemoteSessionOptions => _remoteSessionOptions ??= RemoteSessionOptions.FromHashtable(null);

    /// <summary>Sets <see cref="RemoteSessionOptions"/> from the factory's data-only hashtable (checked).</summary>
    public void SetRemoteSessionOptions(System.Collections.IDictionary? options) =>
        _remoteSessionOptions = RemoteSessionOptions.FromHashtable(options);

    /// <summary>Triggers a sync cycle of <paramref name="policyType"/> through <paramref name="authSession"/> (an object with InvokeCommand).</summary>
    public PSObject StartSyncCycle(string? policyType, object? authSession) =>
        StartSyncCycle(PSObject.AsPSObject(new object()), policyType, authSession, null, false);

    /// <summary>Reads the scheduler's state through <paramref name="authSession"/> (an object with InvokeCommand).</summary>
    public PSObject GetSyncCycleState(object? authSession) =>
        GetSyncCycleState(PSObject.AsPSObject(new object()), authSession, null, false);

    /// <summary>
    /// StartSyncCycle in either contract generation: IdLE 0.9's (PolicyType, AuthSession), where
    /// <paramref name="second"/> is the session, or the next contract's (PolicyType, ComputerName,
    /// AuthSession), where <paramref name="second"/> is the computer name and
    /// <paramref name="third"/> the session. <paramref name="nextShape"/> says which the caller used
    /// (three arguments rather than two). <paramref name="provider"/> is the provider object whose
    /// remoting ScriptMethods a PSSession or PSCredential session goes through.
    /// </summary>
    public PSObject StartSyncCycle(PSObject provider, string? policyType, object? second, object? third, bool nextShape)
    {
        ThrowIfDisposed("StartSyncCycle");
        // The core reads the policy type as a C string: a NUL would cut "Delta\0..." to "Delta".
        if (policyType is not null && policyType.Contains('\0'))
        {
            throw DirectorySyncException.NulInArgument("PolicyType");
        }
        SessionInvoker invoker = ResolveSession(provider, "StartSyncCycle", nextShape, second, third);
        byte[] policy = NativeApi.Utf8Z(policyType ?? string.Empty);
        return Call("StartSyncCycle", invoker, (p, table) =>
        {
            fixed (byte* policyPtr = policy)
            {
                byte* output = null;
                NativeStatus status = NativeApi.ProviderStartSyncCycle(p, policyPtr, (NativeSession*)table, &output);
                return (status, NativeApi.TakeString(output));
            }
        });
    }

    /// <summary>
    /// GetSyncCycleState in either generation: IdLE 0.9's (AuthSession), where
    /// <paramref name="first"/> is the session, or the next contract's (ComputerName, AuthSession).
    /// </summary>
    public PSObject GetSyncCycleState(PSObject provider, object? first, object? second, bool nextShape)
    {
        ThrowIfDisposed("GetSyncCycleState");
        SessionInvoker invoker = ResolveSession(provider, "GetSyncCycleState", nextShape, first, second);
        return Call("GetSyncCycleState", invoker, (p, table) =>
        {
            byte* output = null;
            NativeStatus status = NativeApi.ProviderGetSyncCycleState(p, (NativeSession*)table, &output);
            return (status, NativeApi.TakeString(output));
        });
    }

    /// <summary>
    /// Reads the run history: the runs newer than <paramref name="since"/> (null: only take a
    /// reference). <paramref name="since"/> is the <c>Reference</c> an earlier call returned
    /// (hashtable or object), or a server UTC time. IdLE 0.9's shape (Since, AuthSession), where
    /// <paramref name="first"/> is the session, or the next contract's (Since, ComputerName,
    /// AuthSession).
    /// </summary>
    public PSObject GetSyncCycleRuns(PSObject provider, object? since, object? first, object? second, bool nextShape)
    {
        ThrowIfDisposed("GetSyncCycleRuns");
        SessionInvoker invoker = ResolveSession(provider, "GetSyncCycleRuns", nextShape, first, second);
        object? plain = since is PSObject wrapped ? wrapped.BaseObject : since;
        byte[]? sinceJson = plain is null ? null : NativeApi.Utf8Z(JsonBridge.ToJson(since));
        return Call("GetSyncCycleRuns", invoker, (p, table) =>
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

    private PSObject Call(string method, SessionInvoker invoker, Func<IntPtr, IntPtr, (NativeStatus, string?)> native)
    {
        ThrowIfDisposed(method);
        var trampoline = new SessionTrampoline(invoker);
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
            // A session this call opened is removed on success, on failure and on stop alike.
            invoker.Close();
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
            var own = (PSObject)JsonBridge.FromJson(result.json)!;
            OwnResults.Remember(own, result.json);
            return own;
        }
        throw DirectorySyncException.FromFailureJson(result.json, trampoline.Failure);
    }

    /// <summary>
    /// The session the call uses, as the core decides it (<c>idle_ec_auth_session_resolve</c>)
    /// from what the caller passed: the method, the call's shape, the ComputerName as given and
    /// the session's kind — an object with InvokeCommand, a PSSession, a PSCredential, nothing,
    /// or something else. The core answers which to use, or the failure that names the shape.
    /// </summary>
    private SessionInvoker ResolveSession(PSObject provider, string method, bool next, object? first, object? second)
    {
        object? authSession = next ? second : first;
        PSObject? session = authSession is null ? null : PSObject.AsPSObject(authSession);
        object? baseObject = session?.BaseObject;
        PSMethodInfo? invokeCommand = null;
        string kind = baseObject switch
        {
            null => "none",
            PSSession => "psSession",
            PSCredential => "credential",
            _ => (invokeCommand = session!.Methods["InvokeCommand"]) is not null ? "invokeCommand" : "other",
        };
        object? name = next ? (first is PSObject wrappedName ? wrappedName.BaseObject : first) : null;
        Resolved resolved = Resolve(new SessionFacts(
            method,
            next,
            name is not null,
            name as string,
            name is null or string ? null : name.GetType().FullName,
            kind,
            session is null ? null : session.TypeNames.Count > 0 ? session.TypeNames[0] : session.BaseObject.GetType().FullName,
            session?.BaseObject is string));
        switch (resolved.Kind)
        {
            case "invokeCommand" when invokeCommand is not null:
                return new InvokeCommandInvoker(session!, invokeCommand);
            case "psSession" when baseObject is PSSession:
                return new RemoteSessionInvoker(provider, baseObject);
            case "credential" when baseObject is PSCredential credential && resolved.ComputerName is not null:
                return new RemoteSessionInvoker(provider, resolved.ComputerName, credential, RemoteSessionOptions.CommandsOnly);
            default:
                throw DirectorySyncException.Describe("coreUnreadable", null);
        }
    }

    /// <summary>The core's answer: which session kind to use, and the checked ComputerName for a credential.</summary>
    private sealed record Resolved(string Kind, string? ComputerName);

    /// <summary>
    /// What the core is told of a call's session (<c>idle_ec_auth_session_resolve</c>): the
    /// method, the shape, the ComputerName as given (its text, or its type), the session's kind,
    /// its type name and whether it is a string.
    /// </summary>
    private readonly record struct SessionFacts(
        string Method, bool Next, bool NameGiven, string? NameText, string? NameType, string Kind, string? TypeName, bool IsString);

    /// <summary>
    /// The core's answers by their facts: its decision depends on nothing else, and a host has
    /// only a few (method, shape, server name, session kind and type), so at most
    /// <see cref="MaxAnswered"/> are kept and later calls with the same facts neither cross nor
    /// write any JSON.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<SessionFacts, Resolved> Answered = new();

    private const int MaxAnswered = 64;

    private static Resolved Resolve(SessionFacts facts)
    {
        if (Answered.TryGetValue(facts, out Resolved? known))
        {
            return known;
        }
        string factsJson = JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WriteString("method", facts.Method);
            w.WriteBoolean("next", facts.Next);
            if (facts.Next)
            {
                w.WritePropertyName("computerName");
                if (!facts.NameGiven)
                {
                    w.WriteNullValue();
                }
                else
                {
                    w.WriteStartObject();
                    if (facts.NameText is not null)
                    {
                        w.WriteString("text", facts.NameText);
                    }
                    else
                    {
                        w.WriteString("typeName", facts.NameType);
                    }
                    w.WriteEndObject();
                }
            }
            w.WriteString("session", facts.Kind);
            if (facts.Kind != "none")
            {
                w.WriteString("typeName", facts.TypeName);
                w.WriteBoolean("isString", facts.IsString);
            }
            w.WriteEndObject();
        });
        NativeApi.EnsureLoaded();
        (NativeStatus status, string? answer) = NativeApi.Ask(NativeApi.AuthSessionResolve, factsJson);
        if (status != NativeStatus.Ok || answer is null)
        {
            throw DirectorySyncException.FromFailureJson(answer);
        }
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(answer);
        System.Text.Json.JsonElement root = doc.RootElement;
        var resolved = new Resolved(
            root.GetProperty("kind").GetString() ?? string.Empty,
            root.TryGetProperty("computerName", out System.Text.Json.JsonElement name) ? name.GetString() : null);
        if (Answered.Count < MaxAnswered)
        {
            Answered.TryAdd(facts, resolved);
        }
        return resolved;
    }

    /// <summary>Frees the native provider now rather than at finalization.</summary>
    public void Dispose() => _handle.Dispose();
}
