using System.Collections.Generic;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// A provider method's failure as the step hands it to the wait machine
/// (<see cref="WaitMachine.FailureOf(System.Management.Automation.ErrorRecord, object?, object?)"/>):
/// the core's failure JSON text as it came, and the session's values the machine masks in it.
/// Written into the machine's input as it is, never re-serialised.
/// </summary>
public sealed class ProviderFailure
{
    internal ProviderFailure(string json, IReadOnlyList<string> redact)
    {
        Json = json;
        Redact = redact;
    }

    /// <summary>The failure JSON (<c>class</c>, <c>errorId</c>, <c>category</c>, <c>transient</c>, <c>message</c>, <c>remoteMessage</c>).</summary>
    public string Json { get; }

    /// <summary>The values to mask in its texts (never shown).</summary>
    internal IReadOnlyList<string> Redact { get; }

    /// <summary>The failure JSON: the values it holds are not masked yet, so it is not for display.</summary>
    public override string ToString() => nameof(ProviderFailure);
}
