using System;
using System.Management.Automation;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// A classified failure of a directory sync operation. Carries an ErrorRecord with the stable
/// ErrorId and category of its failure class, and marks transient failures for IdLE's retry
/// logic (<c>Exception.Data['Idle.IsTransient']</c>).
/// </summary>
public sealed class DirectorySyncException : Exception, IContainsErrorRecord
{
    /// <summary>The failure class name (e.g. <c>CycleBusy</c>).</summary>
    public string FailureClass { get; }

    /// <summary>The stable ErrorId (e.g. <c>IdLE.DirectorySync.CycleBusy</c>).</summary>
    public string ErrorId { get; }

    /// <summary>Whether retrying later may succeed without any change.</summary>
    public bool IsTransient { get; }

    /// <summary>The server's own words, when the failure came from the server.</summary>
    public string? RemoteMessage { get; }

    /// <inheritdoc />
    public ErrorRecord ErrorRecord { get; }

    /// <summary>Creates the exception from its parts.</summary>
    public DirectorySyncException(string failureClass, string errorId, ErrorCategory category, bool transient,
        string message, string? remoteMessage = null, object? targetObject = null, Exception? inner = null)
        : base(message, inner)
    {
        FailureClass = failureClass;
        ErrorId = errorId;
        IsTransient = transient;
        RemoteMessage = remoteMessage;
        if (transient)
        {
            Data["Idle.IsTransient"] = true;
        }
        _category = category;
        ErrorRecord = new ErrorRecord(this, errorId, category, targetObject);
    }

    private readonly ErrorCategory _category;
    private string? _failureJson;

    /// <summary>
    /// The failure JSON: the core's own text when the core reported the failure (kept as it
    /// came, never re-serialised), otherwise written once, when first asked for.
    /// </summary>
    public string FailureJson => _failureJson ??= JsonSerializer.Serialize(new
    {
        @class = FailureClass,
        errorId = ErrorId,
        category = _category.ToString(),
        transient = IsTransient,
        message = Message,
        remoteMessage = RemoteMessage,
    });

    /// <summary>
    /// A failure of <paramref name="failureClass"/>: its ErrorId, ErrorCategory and transience
    /// come from the core's table (<see cref="FailureClasses"/>), never from the caller. A class
    /// the table does not list is described by the core (an Internal failure saying so).
    /// </summary>
    public static DirectorySyncException Of(string failureClass, string message) => Of(failureClass, message, null, null, null);

    /// <summary><see cref="Of(string, string)"/> with the server's words, a target object and an inner exception.</summary>
    public static DirectorySyncException Of(string failureClass, string message, string? remoteMessage, object? targetObject, Exception? inner)
    {
        if (FailureClasses.TryOf(failureClass) is not { } row)
        {
            return Describe("unknownClass", w =>
            {
                w.WriteString("class", failureClass ?? string.Empty);
                w.WriteString("message", message ?? string.Empty);
            }, inner);
        }
        return new DirectorySyncException(row.Class, row.ErrorId, row.Category, row.Transient, message, remoteMessage, targetObject, inner);
    }

    /// <summary>Builds the exception from the core's failure JSON, keeping the text as it came.</summary>
    internal static DirectorySyncException FromFailureJson(string? json, Exception? inner = null)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Describe("coreSilent", null, inner);
        }
        DirectorySyncException e;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string Get(string name) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
            // ErrorId, category and transience follow from the class, in the core's one table.
            string? remote = root.TryGetProperty("remoteMessage", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            e = Of(Get("class"), Get("message"), remote, null, inner);
            // The core's complete failure JSON is kept as it came (one crossing, no re-serialisation).
            if (Get("errorId") == e.ErrorId && Get("category") == e._category.ToString())
            {
                e._failureJson = json;
            }
        }
        catch (Exception x) when (x is JsonException or InvalidOperationException)
        {
            return Describe("coreUnreadable", null, inner);
        }
        return e;
    }

    /// <summary>
    /// Builds the exception from a failure object (a hashtable or object with class, errorId,
    /// category, transient, message, remoteMessage), as the wait machine's decisions carry it.
    /// </summary>
    public static DirectorySyncException FromFailure(object failure) => FromFailureJson(JsonBridge.ToJson(failure));

    /// <summary>
    /// A failure this layer detected by itself, worded by the core (<c>idle_ec_failure_describe</c>):
    /// <paramref name="kind"/> names what happened, <paramref name="facts"/> writes the facts
    /// gathered (the properties of one JSON object); the core picks the class and the message.
    /// </summary>
    /// <exception cref="InvalidOperationException">The core could not describe it: a defect.</exception>
    internal static unsafe DirectorySyncException Describe(string kind, Action<Utf8JsonWriter>? facts, Exception? inner = null)
    {
        NativeApi.EnsureLoaded();
        byte[] kindText = NativeApi.Utf8Z(kind);
        byte[]? factsText = facts is null ? null : NativeApi.Utf8Z(JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            facts(w);
            w.WriteEndObject();
        }));
        byte* output = null;
        NativeStatus status;
        fixed (byte* kindPtr = kindText)
        fixed (byte* factsPtr = factsText)
        {
            status = NativeApi.FailureDescribe(kindPtr, factsPtr, &output);
        }
        string? json = NativeApi.TakeString(output);
        if (status != NativeStatus.Ok || string.IsNullOrEmpty(json))
        {
            throw new InvalidOperationException(
                $"The native core could not describe a failure ('{kind}', status {status}). Please report this as a bug.", inner);
        }
        return FromFailureJson(json, inner);
    }

    /// <summary>The provider was disposed before this call of <paramref name="method"/>.</summary>
    internal static DirectorySyncException ProviderDisposed(string method, Exception? inner = null) =>
        Describe("providerUsedAfterDispose", w => w.WriteString("method", method), inner);

    /// <summary>An argument holds a NUL character, which no C string can carry.</summary>
    internal static DirectorySyncException NulInArgument(string argument) =>
        Describe("nulInArgument", w => w.WriteString("argument", argument));

    /// <summary>
    /// IdLE's own DirectorySync step pack is loaded beside this one, at <paramref name="versions"/>
    /// (the step's catalog function gathers them): the core words what to do.
    /// </summary>
    public static DirectorySyncException IdleStepPackLoaded(string[]? versions) =>
        Describe("idleStepPackLoaded", w =>
        {
            w.WriteStartArray("versions");
            foreach (string? version in versions ?? Array.Empty<string>())
            {
                w.WriteStringValue(version ?? string.Empty);
            }
            w.WriteEndArray();
        });
}
