using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// What the core needs to know of one error the session raised, read from a live exception, a
/// live ErrorRecord, or an ErrorRecord that remoting (PSSerializer) turned into a property bag.
/// </summary>
internal sealed class RemoteErrorInfo
{
    public string Message { get; init; } = string.Empty;
    public string? ExceptionType { get; init; }
    public string? FullyQualifiedErrorId { get; init; }
    public string? Category { get; init; }
    public bool Terminating { get; init; }

    private const string DeserializedErrorRecord = "Deserialized.System.Management.Automation.ErrorRecord";

    internal static bool IsErrorRecord(object? item) =>
        item is ErrorRecord
        || item is PSObject { BaseObject: ErrorRecord }
        || item is PSObject pso && pso.TypeNames.Contains(DeserializedErrorRecord);

    internal static RemoteErrorInfo FromOutputItem(object item, bool terminating) =>
        item switch
        {
            ErrorRecord record => FromErrorRecord(record, terminating),
            PSObject { BaseObject: ErrorRecord record } => FromErrorRecord(record, terminating),
            PSObject pso => FromDeserialized(pso, terminating),
            _ => new RemoteErrorInfo { Message = item.ToString() ?? string.Empty, Terminating = terminating },
        };

    internal static RemoteErrorInfo FromErrorRecord(ErrorRecord record, bool terminating)
    {
        Exception? exception = record.Exception;
        string? type = exception?.GetType().FullName;
        // Remoting wraps the server's exception; its original type survives only in the
        // serialized copy, and the classification needs the original.
        if (exception is RemoteException { SerializedRemoteException: { } serialized })
        {
            type = serialized.TypeNames.FirstOrDefault() ?? type;
        }
        string message = record.ErrorDetails?.Message is { Length: > 0 } details
            ? details
            : exception?.Message ?? record.ToString();
        return new RemoteErrorInfo
        {
            Message = message,
            ExceptionType = type,
            FullyQualifiedErrorId = record.FullyQualifiedErrorId,
            Category = record.CategoryInfo?.Category.ToString(),
            Terminating = terminating,
        };
    }

    /// <summary>An ErrorRecord after PSSerializer: a property bag with remoting's names.</summary>
    internal static RemoteErrorInfo FromDeserialized(PSObject pso, bool terminating)
    {
        object? exception = Property(pso, "Exception");
        string? message = Text(Property(pso, "ErrorDetails_Message"))
            ?? Text(Property(exception, "Message"))
            ?? Text(Property(pso, "ErrorCategory_Message"))
            ?? pso.ToString();
        string? type = exception is PSObject e ? e.TypeNames.FirstOrDefault() : null;
        object? category = Property(pso, "ErrorCategory_Category") ?? Property(Property(pso, "CategoryInfo"), "Category");
        string? categoryName = category switch
        {
            null => null,
            int number => ((ErrorCategory)number).ToString(),
            PSObject { BaseObject: int number } => ((ErrorCategory)number).ToString(),
            _ => category.ToString(),
        };
        return new RemoteErrorInfo
        {
            Message = message ?? string.Empty,
            ExceptionType = type,
            FullyQualifiedErrorId = Text(Property(pso, "FullyQualifiedErrorId")),
            Category = categoryName,
            Terminating = terminating,
        };
    }

    /// <summary>
    /// An exception thrown by the session, unwrapped from PowerShell's wrappers: the method call's
    /// and the nested pipeline's cmdlet's.
    /// </summary>
    internal static RemoteErrorInfo FromException(Exception exception)
    {
        Exception inner = exception;
        while (inner is MethodInvocationException or CmdletInvocationException or System.Reflection.TargetInvocationException && inner.InnerException is not null)
        {
            inner = inner.InnerException!;
        }
        if (inner is IContainsErrorRecord { ErrorRecord: { } record })
        {
            // `throw <object>` in PowerShell: the object rides along as the target; its text is the message.
            return FromErrorRecord(record, terminating: true);
        }
        return new RemoteErrorInfo
        {
            Message = inner.Message,
            ExceptionType = inner.GetType().FullName,
            Terminating = true,
        };
    }

    private static object? Property(object? target, string name)
    {
        if (target is not PSObject pso)
        {
            return null;
        }
        try
        {
            return pso.Properties[name]?.Value;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static string? Text(object? value) => value is null ? null : value.ToString() is { Length: > 0 } s ? s : null;

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("message", Message);
        w.WriteString("exceptionType", ExceptionType);
        w.WriteString("fullyQualifiedErrorId", FullyQualifiedErrorId);
        w.WriteString("category", Category);
        w.WriteBoolean("terminating", Terminating);
        w.WriteEndObject();
    }
}

