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

    /// <summary>StartSyncCycle, GetSyncCycleState or GetSyncCycleRuns.</summary>
    internal string Method { get; }

    /// <summary>True for the next contract's shape (with ComputerName).</summary>
    internal bool Next { get; }

    private string Leading => Method switch
    {
        "StartSyncCycle" => "PolicyType, ",
        "GetSyncCycleRuns" => "Since, ",
        _ => string.Empty,
    };

    /// <summary>The shape the caller used, e.g. <c>IdLE 0.9's StartSyncCycle(PolicyType, AuthSession)</c>.</summary>
    internal string Text => Next ? NextText : $"IdLE 0.9's {Method}({Leading}AuthSession)";

    /// <summary>The next contract's shape of this method.</summary>
    internal string NextText => $"{Method}({Leading}ComputerName, AuthSession)";
}

/// <summary>The ComputerName of IdLE's next contract: the Entra Connect server's name.</summary>
internal static unsafe class ComputerName
{
    /// <summary>
    /// The name as text, checked by the core (the rule the step's With.ComputerName follows too:
    /// not blank, at most 255 characters, no spaces or control characters) and trimmed.
    /// </summary>
    internal static string Check(object? value, CallShape shape)
    {
        object? baseValue = value is PSObject pso ? pso.BaseObject : value;
        if (baseValue is not string text)
        {
            string what = baseValue is null ? "nothing" : "a " + baseValue.GetType().FullName;
            throw Invalid($"{shape.Method} was called as {shape.Text}, whose ComputerName must be the Entra Connect server's host name, but it is {what}.");
        }
        if (text.Contains('\0'))
        {
            // A C string ends at the first NUL: it could not reach the core's check whole.
            throw Invalid($"{shape.Method} was called as {shape.Text}: ComputerName must be a host name without spaces, line breaks or control characters, but it holds a NUL character.");
        }
        NativeApi.EnsureLoaded();
        byte[] input = NativeApi.Utf8Z(text);
        byte* output = null;
        NativeStatus status;
        fixed (byte* name = input)
        {
            status = NativeApi.ComputerNameCheck(name, &output);
        }
        string? json = NativeApi.TakeString(output);
        if (status == NativeStatus.Ok && json is not null)
        {
            return (string)JsonBridge.FromJson(json)!;
        }
        DirectorySyncException failure = DirectorySyncException.FromFailureJson(json);
        throw DirectorySyncException.Of(failure.FailureClass, $"{shape.Method} was called as {shape.Text}: {failure.Message}");
    }

    private static DirectorySyncException Invalid(string message) =>
        DirectorySyncException.Of("InvalidInput", message);
}
