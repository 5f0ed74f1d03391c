using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The native wait machine for one trigger-and-wait. The step feeds it every observation with the
/// time and does what each decision says; the machine decides everything else. This class only
/// converts: PowerShell values to the machine's JSON, its decisions to PowerShell objects, its
/// failure to an ErrorRecord.
/// </summary>
/// <remarks>
/// Crossings per poll (one <c>poll</c> decision answered with our provider's state), counting each
/// call between C# and Rust and each JSON text written and parsed again:
/// before issue 17's typed path, 12 crossings and 5 JSON round trips (the core's state JSON parsed
/// into a PSObject by JsonBridge, that PSObject written to JSON again by <see cref="Next(object)"/>,
/// read by the core's lenient reader; the decision written and parsed; the failure, when there was
/// one, parsed, written and parsed again by DirectorySyncException.FromFailure). Now the core's own
/// state JSON, remembered beside the PSObject (<see cref="OwnResults"/>), is passed as it is under
/// <c>own</c> and read strictly: per poll, the provider call's crossings (the other side's count,
/// docs/step.md) plus one <c>idle_ec_wait_handle</c> call, and JSON round trips: the state (written
/// once by the core, parsed once into the PSObject the host sees, parsed once more by the machine)
/// and the decision (written once, parsed once). A failed decision is read from its own JSON text,
/// never re-serialised.
/// </remarks>
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

    private WaitMachine(IntPtr created)
    {
        _handle.Set(created);
        byte* policyType = NativeApi.WaitPolicyType(created);
        PolicyType = policyType is null ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)policyType);
    }

    /// <summary>
    /// The machine of one run of the step: <paramref name="stepName"/> and the host's
    /// <paramref name="with"/>, converted as they are (the machine decides every rule). Its
    /// first decision (to <c>start</c>) is the refusal of an invalid With, or <c>findProvider</c>.
    /// </summary>
    public static WaitMachine ForStep(string? stepName, object? with)
    {
        NativeApi.EnsureLoaded();
        byte[] request = NativeApi.Utf8Z(JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WriteString("stepName", stepName ?? string.Empty);
            w.WritePropertyName("with");
            object? table = with is PSObject wrapped ? wrapped.BaseObject : with;
            if (table is Hashtable entries)
            {
                w.WriteStartArray();
                foreach (DictionaryEntry entry in entries)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                    WriteWithValue(w, entry.Value);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            else
            {
                w.WriteNullValue();
            }
            w.WriteStartObject("dataLimits");
            w.WriteNumber("maxDepth", DataOnly.MaxDepth);
            w.WriteNumber("maxValues", DataOnly.MaxValues);
            w.WriteEndObject();
            w.WriteEndObject();
        }));
        IntPtr created;
        NativeStatus status;
        fixed (byte* requestPtr = request)
        {
            status = NativeApi.WaitNewStep(requestPtr, &created);
        }
        if (status != NativeStatus.Ok)
        {
            throw DirectorySyncException.Describe("waitMachineNotCreated", w => w.WriteString("status", status.ToString()));
        }
        return new WaitMachine(created);
    }

    /// <summary>
    /// One With value: a scalar as itself (a switch as a boolean); anything else only as facts,
    /// whether it is a hashtable and what the data-only inspection found, so that the options'
    /// values never cross.
    /// </summary>
    private static void WriteWithValue(Utf8JsonWriter w, object? value)
    {
        object? plain = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (plain is null or string or char or bool or SwitchParameter or Enum or DateTime or DateTimeOffset or TimeSpan or Guid
            or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal)
        {
            JsonBridge.Write(w, plain, 0);
            return;
        }
        bool table = plain is Hashtable;
        w.WriteStartObject();
        w.WriteBoolean("table", table);
        w.WriteString("dataProblem", table ? DataOnly.Problem(value) : null);
        w.WriteEndObject();
    }

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
        byte[] json = NativeApi.Utf8Z(WriteInput(input));
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
        var answer = (PSObject)JsonBridge.FromJson(decision)!;
        // A failed run's ErrorRecord, from the core's own failure text (not re-serialised).
        FailureRecord = answer.Properties["failure"] is null ? null : FailureOfDecision(decision);
        return answer;
    }

    /// <summary>
    /// The ErrorRecord of the last decision's failure (ErrorId, category and transience from the
    /// core), or null when the last decision was no failure. The step throws it at <c>fail</c>.
    /// </summary>
    public ErrorRecord? FailureRecord { get; private set; }

    private static ErrorRecord FailureOfDecision(string decision)
    {
        using JsonDocument doc = JsonDocument.Parse(decision);
        return DirectorySyncException.FromFailureJson(doc.RootElement.GetProperty("failure").GetRawText()).ErrorRecord;
    }

    /// <summary>
    /// An input as JSON. A table's <c>answers</c> (every object a provider method returned) is
    /// passed as <c>own</c>, the core's own result text, when it is one result object of this
    /// library's provider; everything else is written as it is.
    /// </summary>
    private static string WriteInput(object input)
    {
        object? plain = input is PSObject wrapped ? wrapped.BaseObject : input;
        if (plain is not IDictionary table)
        {
            return JsonBridge.ToJson(input);
        }
        return JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            foreach (DictionaryEntry entry in table)
            {
                string key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                if (key == "answers" && OwnResults.Of(OnlyItem(entry.Value)) is { } own)
                {
                    w.WritePropertyName("own");
                    w.WriteRawValue(own, skipInputValidation: true);
                    continue;
                }
                object? value = entry.Value is PSObject wrappedValue ? wrappedValue.BaseObject : entry.Value;
                if (value is ProviderFailure failure)
                {
                    // The core's failure text as it came; the values to mask in it beside it.
                    w.WritePropertyName(key);
                    w.WriteRawValue(failure.Json);
                    if (failure.Redact.Count > 0 && !table.Contains("redact"))
                    {
                        w.WriteStartArray("redact");
                        foreach (string secret in failure.Redact)
                        {
                            w.WriteStringValue(secret);
                        }
                        w.WriteEndArray();
                    }
                    continue;
                }
                w.WritePropertyName(key);
                JsonBridge.Write(w, entry.Value, 0);
            }
            w.WriteEndObject();
        });
    }

    /// <summary>The one item of a list of exactly one, else null.</summary>
    private static object? OnlyItem(object? list)
    {
        object? plain = list is PSObject wrapped ? wrapped.BaseObject : list;
        return plain is IList { Count: 1 } one ? one[0] : null;
    }

    /// <summary>The provider under <paramref name="alias"/> in the host's Providers table, or null.</summary>
    public static object? FindProvider(object? providers, string alias)
    {
        object? plain = providers is PSObject wrapped ? wrapped.BaseObject : providers;
        return plain is IDictionary table && table.Contains(alias) ? table[alias] : null;
    }

    /// <summary>
    /// The <c>provider</c> input: whether there is a provider, and which of
    /// <paramref name="methods"/> (the names the machine asked about) it has.
    /// </summary>
    public static Hashtable ProviderFacts(object? provider, object[]? methods)
    {
        var has = new List<string>();
        if (provider is not null)
        {
            PSObject pso = PSObject.AsPSObject(provider);
            foreach (object? name in methods ?? Array.Empty<object>())
            {
                if (name is not null && pso.Methods[name.ToString()!] is not null)
                {
                    has.Add(name.ToString()!);
                }
            }
        }
        return new Hashtable { ["kind"] = "provider", ["found"] = provider is not null, ["methods"] = has.ToArray() };
    }

    /// <summary>
    /// The <c>sessionFailed</c> input for the host's error: its words with the options' values
    /// and credential patterns masked, bounded, before they cross.
    /// </summary>
    public static Hashtable SessionFailed(ErrorRecord caught, object? authSessionOptions) =>
        new() { ["kind"] = "sessionFailed", ["message"] = SafeText.Scrub(caught.Exception?.Message, MaxHostMessageChars, authSessionOptions) };

    /// <summary>
    /// The <c>hostFailed</c> input for an unexpected error of the step's host side (an EventSink
    /// that threw): its words with the session's and the options' values masked, bounded.
    /// </summary>
    public static Hashtable HostFailed(ErrorRecord caught, object? authSession, object? authSessionOptions) =>
        new() { ["kind"] = "hostFailed", ["message"] = SafeText.Scrub(caught.Exception?.Message, MaxHostMessageChars, authSession, authSessionOptions) };

    /// <summary>Longest host error text passed on, in characters.</summary>
    private const int MaxHostMessageChars = 1000;

    /// <summary>
    /// The failure the machine expects for an error a provider method threw: the classified
    /// failure when our provider threw it, otherwise the error classified by the core from its text.
    /// </summary>
    public static ProviderFailure FailureOf(ErrorRecord caught) => FailureOf(caught, null, null);

    /// <summary><see cref="FailureOf(ErrorRecord, object?, object?)"/> without options.</summary>
    public static ProviderFailure FailureOf(ErrorRecord caught, object? authSession) => FailureOf(caught, authSession, null);

    /// <summary>
    /// <see cref="FailureOf(ErrorRecord)"/>, with every string value of <paramref name="authSession"/>
    /// and <paramref name="authSessionOptions"/> masked in the texts, together with credential
    /// patterns, by the core's scrubber *before* any text is cut (docs/redaction.md). A provider
    /// whose AuthSession parameter has the wrong type fails in PowerShell's conversion, whose
    /// message quotes the session's text (a property bag's is <c>@{Server=...; Token=...}</c>);
    /// a host's error may quote an option. Neither must reach an event or an error. The failure
    /// text is passed on as the core wrote it, never re-serialised: for our provider's failure the
    /// values to mask go beside it (the input's <c>redact</c>) and the machine masks them as it
    /// reads it; a foreign error is masked by the core's classifier.
    /// </summary>
    public static ProviderFailure FailureOf(ErrorRecord caught, object? authSession, object? authSessionOptions)
    {
        object?[] sources = { authSession, authSessionOptions };
        if (ErrorRecords.FindClassified(caught) is { } classified)
        {
            return new ProviderFailure(classified.FailureJson, SafeText.SecretsOf(sources));
        }
        return new ProviderFailure(Classifier.ClassifyJson(caught, sources), new List<string>());
    }

    private static DirectorySyncException Disposed(Exception? inner) =>
        DirectorySyncException.Describe("waitMachineUsedAfterDispose", null, inner);

    /// <summary>Frees the native machine now.</summary>
    public void Dispose() => _handle.Dispose();
}
