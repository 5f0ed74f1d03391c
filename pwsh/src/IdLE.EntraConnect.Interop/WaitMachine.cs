using System;
using System.Collections.Generic;
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
        byte* policyType = NativeApi.WaitPolicyType(created);
        PolicyType = policyType is null ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)policyType);
    }

    /// <summary>
    /// The policy type as the core validated it, in its canonical spelling ('Delta' or 'Initial'),
    /// or null when the configuration gave none: what the step passes on to the provider.
    /// </summary>
    public string? PolicyType { get; }

    /// <summary>Feeds one input (hashtable or object; written as JSON) observed now; returns the decision.</summary>
    public PSObject Next(object input) => Next(input, NowMs);

    /// <summary>Feeds one input observed at <paramref name="nowMs"/>; returns the decision.</summary>
    public PSObject Next(object input, ulong nowMs)
    {
        if (_handle.IsClosed || _handle.IsInvalid)
        {
            throw Disposed(null);
        }
        byte[] json = NativeApi.Utf8Z(JsonBridge.ToJson(input));
        bool added = false;
        NativeStatus status;
        string? decision;
        try
        {
            try
            {
                _handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException e)
            {
                throw Disposed(e);
            }
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
    public static object FailureOf(ErrorRecord caught) => FailureOf(caught, null, null);

    /// <summary><see cref="FailureOf(ErrorRecord, object?, object?)"/> without options.</summary>
    public static object FailureOf(ErrorRecord caught, object? authSession) => FailureOf(caught, authSession, null);

    /// <summary>
    /// <see cref="FailureOf(ErrorRecord)"/>, with every string value of <paramref name="authSession"/>
    /// and <paramref name="authSessionOptions"/> masked in the texts, together with credential
    /// patterns, by the core's scrubber *before* any text is cut (docs/redaction.md). A provider
    /// whose AuthSession parameter has the wrong type fails in PowerShell's conversion, whose
    /// message quotes the session's text (a property bag's is <c>@{Server=...; Token=...}</c>);
    /// a host's error may quote an option. Neither must reach an event or an error.
    /// </summary>
    public static object FailureOf(ErrorRecord caught, object? authSession, object? authSessionOptions)
    {
        object?[] sources = { authSession, authSessionOptions };
        if (ErrorRecords.FindClassified(caught) is { } classified)
        {
            var failure = (PSObject)JsonBridge.FromJson(classified.FailureJson)!;
            List<string> secrets = SafeText.SecretsOf(sources);
            if (secrets.Count > 0)
            {
                ScrubProperty(failure, "message", MaxMessageChars, sources);
                ScrubProperty(failure, "remoteMessage", MaxRemoteMessageChars, sources);
            }
            return failure;
        }
        return Classifier.Classify(caught, sources);
    }

    /// <summary>Longest failure message the wait machine keeps (its <c>MAX_MESSAGE_CHARS</c>).</summary>
    private const int MaxMessageChars = 2000;

    /// <summary>Longest remote message the core keeps (its <c>MAX_REMOTE_MESSAGE_CHARS</c>).</summary>
    private const int MaxRemoteMessageChars = 1000;

    private static void ScrubProperty(PSObject failure, string name, int maxChars, object?[] sources)
    {
        PSPropertyInfo? property = failure.Properties[name];
        if (property?.Value is string text)
        {
            property.Value = SafeText.Scrub(text, maxChars, sources);
        }
    }

    private static DirectorySyncException Disposed(Exception? inner) =>
        DirectorySyncException.Disposed("WaitMachineDisposed",
            "The wait machine was used after it was disposed. Create a new WaitMachine for each trigger-and-wait.", inner);

    /// <summary>Frees the native machine now.</summary>
    public void Dispose() => _handle.Dispose();
}
