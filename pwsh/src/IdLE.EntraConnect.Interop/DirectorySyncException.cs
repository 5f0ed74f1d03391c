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
    /// come from the core's table (<see cref="FailureClasses"/>), never from the caller.
    /// </summary>
    public static DirectorySyncException Of(string failureClass, string message) => Of(failureClass, message, null, null, null);

    /// <summary><see cref="Of(string, string)"/> with the server's words, a target object and an inner exception.</summary>
    public static DirectorySyncException Of(string failureClass, string message, string? remoteMessage, object? targetObject, Exception? inner)
    {
        FailureClasses.Row row = FailureClasses.Of(failureClass);
        return new DirectorySyncException(row.Class, row.ErrorId, row.Category, row.Transient, message, remoteMessage, targetObject, inner);
    }

    /// <summary>Builds the exception from the core's failure JSON.</summary>
    internal static DirectorySyncException FromFailureJson(string? json, Exception? inner = null)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Internal("The native core reported a failure without describing it. Please report this as a bug.", inner);
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string Get(string name) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
            // ErrorId, category and transience follow from the class, in the core's one table.
            string? remote = root.TryGetProperty("remoteMessage", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            DirectorySyncException e = Of(Get("class"), Get("message"), remote, null, inner);
            // The core's complete failure JSON is kept as it came (one crossing, no re-serialisation).
            if (Get("errorId") == e.ErrorId && Get("category") == e._category.ToString())
            {
                e._failureJson = json;
            }
            return e;
        }
        catch (JsonException)
        {
            return Internal("The native core reported a failure that could not be read. Please report this as a bug.", inner);
        }
    }

    /// <summary>
    /// Builds the exception from a failure object (a hashtable or object with class, errorId,
    /// category, transient, message, remoteMessage), as the wait machine's decisions carry it.
    /// </summary>
    public static DirectorySyncException FromFailure(object failure) => FromFailureJson(JsonBridge.ToJson(failure));

    internal static DirectorySyncException Internal(string message, Exception? inner = null) =>
        Of("Internal", message, null, null, inner);



    /// <summary>A call on a disposed object: a mistake of the caller's, not of the server.</summary>
    internal static DirectorySyncException Disposed(string failureClass, string message, Exception? inner = null) =>
        Of(failureClass, message, null, null, inner);

    /// <summary>The provider was disposed before this call.</summary>
    internal static DirectorySyncException ProviderDisposed(string method, Exception? inner = null) =>
        Disposed("ProviderDisposed",
            $"{method} was called on an Entra Connect directory sync provider that has been disposed (its Dispose() method ran, " +
            "possibly from inside a session callback). Create a new provider with New-IdleEntraConnectDirectorySyncProvider " +
            "and do not dispose a provider while a workflow may still use it.", inner);

    /// <summary>An argument holds a NUL character, which no C string can carry.</summary>
    internal static DirectorySyncException NulInArgument(string argument) =>
        Of("InvalidInput",
            $"The {argument} contains a NUL character (\\0); a NUL would cut the value short on its way to the server, so it is refused. " +
            $"Remove the NUL character from the {argument}.");

    /// <summary>The AuthSession handed to a provider cannot run commands.</summary>
    internal static DirectorySyncException InvalidSession(string message) =>
        Of("AuthSessionInvalid", message);
}
