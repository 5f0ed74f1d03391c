using System;
using System.Diagnostics;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The native wait machine for one trigger-and-wait. The step feeds it every observation with the
/// time and does what each decision says; the machine decides everything else.
/// </summary>
public sealed unsafe class WaitMachine : IDisposable
{
    private readonly WaitMachineHandle _handle = new();
    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>The native machine is not thread-safe; a host sharing one object must not race it.</summary>
    private readonly object _gate = new();

    /// <summary>Milliseconds of a monotonic clock (never moves back, unaffected by clock changes).</summary>
    /// <remarks>
    /// Through TimeSpan rather than <c>ticks * 1000 / Frequency</c>: with a 1 GHz timestamp (Linux,
    /// macOS) that product overflows after about 107 days of process uptime.
    /// </remarks>
    public static ulong NowMs => (ulong)(Stopwatch.GetElapsedTime(Origin).Ticks / TimeSpan.TicksPerMillisecond);

    /// <summary>Creates a machine from a configuration (hashtable or object; written as JSON).</summary>
    public WaitMachine(object? configuration)
    {
        NativeApi.EnsureLoaded();
        byte[] config = NativeApi.Utf8Z(JsonBridge.ToJson(configuration ?? new System.Collections.Hashtable()));
        IntPtr created;
        byte* error = null;
        NativeStatus status;
        fixed (byte* configPtr = config)
        {
            status = NativeApi.WaitNew(configPtr, &created, &error);
        }
        string? errorJson = NativeApi.TakeString(error);
        if (status != NativeStatus.Ok)
        {
            throw DirectorySyncException.FromFailureJson(errorJson);
        }
        _handle.Set(created);
    }

    /// <summary>Feeds one input (hashtable or object; written as JSON) observed now; returns the decision.</summary>
    public PSObject Next(object input) => Next(input, NowMs);

    /// <summary>Feeds one input observed at <paramref name="nowMs"/>; returns the decision.</summary>
    public PSObject Next(object input, ulong nowMs)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        byte[] json = NativeApi.Utf8Z(JsonBridge.ToJson(input));
        bool added = false;
        NativeStatus status;
        string? decision;
        try
        {
            _handle.DangerousAddRef(ref added);
            byte* output = null;
            lock (_gate)
            {
                fixed (byte* inputPtr = json)
                {
                    status = NativeApi.WaitHandle(_handle.DangerousGetHandle(), nowMs, inputPtr, &output);
                }
            }
            decision = NativeApi.TakeString(output);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
        if (status != NativeStatus.Ok || decision is null)
        {
            throw DirectorySyncException.FromFailureJson(decision);
        }
        return (PSObject)JsonBridge.FromJson(decision)!;
    }

    /// <summary>
    /// The failure JSON the machine expects for an error a provider method threw: the classified
    /// failure when our provider threw it, otherwise the error classified by the core from its text.
    /// </summary>
    public static object FailureOf(ErrorRecord caught) => FailureOf(caught, null);

    /// <summary>
    /// <see cref="FailureOf(ErrorRecord)"/>, with the text of <paramref name="authSession"/> taken
    /// out of the messages of errors our provider did not classify. A provider whose AuthSession
    /// parameter has the wrong type fails in PowerShell's conversion, whose message quotes the
    /// session's text (a property bag's is <c>@{Server=...; Token=...}</c>); that must reach no
    /// event and no error. Our provider's own failures never quote the session, and the step
    /// matches their messages to keep their ErrorId, so they are left as they are.
    /// </summary>
    public static object FailureOf(ErrorRecord caught, object? authSession)
    {
        if (ErrorRecords.FindClassified(caught) is { } classified)
        {
            return JsonBridge.FromJson(classified.FailureJson)!;
        }
        PSObject failure = Classifier.Classify(caught);
        if (SessionText(authSession) is { } text)
        {
            foreach (string name in new[] { "message", "remoteMessage" })
            {
                PSPropertyInfo? property = failure.Properties[name];
                if (property?.Value is string message && message.Contains(text, StringComparison.Ordinal))
                {
                    property.Value = message.Replace(text, "<AuthSession>", StringComparison.Ordinal);
                }
            }
        }
        return failure;
    }

    /// <summary>
    /// The session's text when it says more than its type's name, otherwise null. Short texts are
    /// left alone: replacing a word such as "sync" would garble unrelated words.
    /// </summary>
    private static string? SessionText(object? session)
    {
        if (session is null)
        {
            return null;
        }
        PSObject wrapped = PSObject.AsPSObject(session);
        string text;
        try
        {
            text = wrapped.ToString();
        }
        catch (Exception)
        {
            return null;
        }
        return text.Length < 8 || text == wrapped.BaseObject.GetType().FullName ? null : text;
    }

    /// <summary>Frees the native machine now.</summary>
    public void Dispose() => _handle.Dispose();
}
