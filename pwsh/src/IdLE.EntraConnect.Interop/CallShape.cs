using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Which contract generation a provider call used, for choosing the arguments and for saying so
/// in errors: IdLE 0.9 calls StartSyncCycle(PolicyType, AuthSession) and
/// GetSyncCycleState(AuthSession); IdLE's next contract adds a ComputerName before the session.
/// </summary>
internal sealed class CallShape
{
    internal CallShape(string method, bool next)
    {
        Method = method;
        Next = next;
    }

    /// <summary>StartSyncCycle or GetSyncCycleState.</summary>
    internal string Method { get; }

    /// <summary>True for the next contract's shape (with ComputerName).</summary>
    internal bool Next { get; }

    private string Leading => Method == "StartSyncCycle" ? "PolicyType, " : string.Empty;

    /// <summary>The shape the caller used, e.g. <c>IdLE 0.9's StartSyncCycle(PolicyType, AuthSession)</c>.</summary>
    internal string Text => Next ? NextText : $"IdLE 0.9's {Method}({Leading}AuthSession)";

    /// <summary>The next contract's shape of this method.</summary>
    internal string NextText => $"{Method}({Leading}ComputerName, AuthSession)";
}

/// <summary>The ComputerName of IdLE's next contract: the Entra Connect server's name.</summary>
internal static class ComputerName
{
    /// <summary>Longest accepted name (a DNS name has at most 253 characters; an IPv6 literal fewer).</summary>
    internal const int MaxLength = 255;

    /// <summary>The name as text: not blank, at most <see cref="MaxLength"/> characters, no control characters or spaces.</summary>
    internal static string Check(object? value, CallShape shape)
    {
        object? baseValue = value is PSObject pso ? pso.BaseObject : value;
        if (baseValue is not string text || string.IsNullOrWhiteSpace(text))
        {
            string what = baseValue is null || baseValue is string ? "empty" : "a " + baseValue.GetType().FullName;
            throw Invalid($"{shape.Method} was called as {shape.Text}, whose ComputerName (the Entra Connect server) must be a " +
                $"non-empty host name, but it is {what}.");
        }
        text = text.Trim();
        if (text.Length > MaxLength)
        {
            throw Invalid($"{shape.Method} was called as {shape.Text}, whose ComputerName must be at most {MaxLength} characters, but it has {text.Length}.");
        }
        foreach (char c in text)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                throw Invalid($"{shape.Method} was called as {shape.Text}, whose ComputerName must be a host name without spaces, line breaks or control characters.");
            }
        }
        return text;
    }

    private static DirectorySyncException Invalid(string message) =>
        new("InvalidInput", "IdLE.DirectorySync.InvalidArgument", ErrorCategory.InvalidArgument, false, message);
}
