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

    /// <summary>The failure as the core described it (JSON), for handing back to the wait machine.</summary>
    public string FailureJson { get; }

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
        FailureJson = JsonSerializer.Serialize(new
        {
            @class = failureClass,
            errorId,
            category = category.ToString(),
            transient,
            message,
            remoteMessage,
        });
        ErrorRecord = new ErrorRecord(this, errorId, category, targetObject);
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
            bool transient = root.TryGetProperty("transient", out JsonElement t) && t.ValueKind == JsonValueKind.True;
            if (!Enum.TryParse(Get("category"), out ErrorCategory category))
            {
                category = ErrorCategory.NotSpecified;
            }
            string? remote = root.TryGetProperty("remoteMessage", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return new DirectorySyncException(Get("class"), Get("errorId"), category, transient, Get("message"), remote, null, inner);
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
        new("Internal", "IdLE.DirectorySync.InternalError", ErrorCategory.NotSpecified, false, message, null, null, inner);

    /// <summary>The ErrorId of a call on a provider that was disposed (or whose native part is gone).</summary>
    public const string ProviderDisposedErrorId = "IdLE.DirectorySync.ProviderDisposed";

    /// <summary>The ErrorId of a call on a wait machine that was disposed.</summary>
    public const string WaitMachineDisposedErrorId = "IdLE.DirectorySync.WaitMachineDisposed";

    /// <summary>A call on a disposed object: a mistake of the caller's, not of the server.</summary>
    internal static DirectorySyncException Disposed(string errorId, string message, Exception? inner = null) =>
        new("InvalidInput", errorId, ErrorCategory.InvalidOperation, false, message, null, null, inner);

    /// <summary>The provider was disposed before this call.</summary>
    internal static DirectorySyncException ProviderDisposed(string method, Exception? inner = null) =>
        Disposed(ProviderDisposedErrorId,
            $"{method} was called on an Entra Connect directory sync provider that has been disposed (its Dispose() method ran, " +
            "possibly from inside a session callback). Create a new provider with New-IdleEntraConnectDirectorySyncProvider " +
            "and do not dispose a provider while a workflow may still use it.", inner);

    /// <summary>An argument holds a NUL character, which no C string can carry.</summary>
    internal static DirectorySyncException NulInArgument(string argument) =>
        new("InvalidInput", "IdLE.DirectorySync.InvalidArgument", ErrorCategory.InvalidArgument, false,
            $"The {argument} contains a NUL character (\\0); a NUL would cut the value short on its way to the server, so it is refused. " +
            $"Remove the NUL character from the {argument}.");

    /// <summary>The AuthSession handed to a provider cannot run commands.</summary>
    internal static DirectorySyncException InvalidSession(string message) =>
        new("InvalidInput", "IdLE.DirectorySync.AuthSessionInvalid", ErrorCategory.InvalidArgument, false, message);
}
