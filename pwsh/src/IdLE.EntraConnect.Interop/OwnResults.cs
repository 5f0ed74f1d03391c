using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The core's own result JSON of every result object this library's provider returned,
/// remembered beside the object for as long as the object lives. When the step hands such an
/// object to the wait machine, the machine gets the core's text itself, marked as ours, and
/// reads it strictly: nothing the core wrote is re-read through the lenient reader meant for
/// foreign providers, and nothing is serialised a second time.
/// </summary>
internal static class OwnResults
{
    private static readonly ConditionalWeakTable<PSObject, string> Json = new();

    /// <summary>Remembers <paramref name="coreJson"/> as the core's text of <paramref name="result"/>.</summary>
    internal static void Remember(PSObject result, string coreJson) => Json.AddOrUpdate(result, coreJson);

    /// <summary>The core's text of <paramref name="value"/> when it is a result of ours.</summary>
    internal static string? Of(object? value) =>
        value is PSObject result && Json.TryGetValue(result, out string? json) ? json : null;
}
