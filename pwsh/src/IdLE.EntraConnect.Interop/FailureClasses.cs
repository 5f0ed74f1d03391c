using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// The failure-class table as the native core decides it (<c>idle_ec_failure_classes</c>): every
/// class with its ErrorId, ErrorCategory and transience. Every ErrorRecord this module raises is
/// built from it; C# and PowerShell name a class, never an ErrorId. Read once per process.
/// </summary>
public static unsafe class FailureClasses
{
    /// <summary>One class of the table.</summary>
    public sealed record Row(string Class, string ErrorId, ErrorCategory Category, bool Transient);

    /// <summary>
    /// The one row C# holds by itself: the native library could not be loaded, so the core
    /// cannot be asked. A test compares it with the core's table.
    /// </summary>
    public static readonly Row NativeLibraryUnavailable =
        new("NativeLibraryUnavailable", "IdLE.DirectorySync.NativeLibraryUnavailable", ErrorCategory.ResourceUnavailable, false);

    private static readonly object Gate = new();
    private static Dictionary<string, Row>? _table;

    /// <summary>The core's table, as JSON (for tests and documentation).</summary>
    public static string TableJson
    {
        get
        {
            NativeApi.EnsureLoaded();
            byte* output = null;
            NativeStatus status = NativeApi.FailureClassesJson(&output);
            string? json = NativeApi.TakeString(output);
            if (status != NativeStatus.Ok || json is null)
            {
                throw new InvalidOperationException("The native core did not hand out its failure-class table. Please report this as a bug.");
            }
            return json;
        }
    }

    /// <summary>Every class of the core's table, by class name (any casing).</summary>
    public static IReadOnlyDictionary<string, Row> Table
    {
        get
        {
            if (_table is { } table)
            {
                return table;
            }
            lock (Gate)
            {
                if (_table is null)
                {
                    var rows = new Dictionary<string, Row>(StringComparer.OrdinalIgnoreCase);
                    using JsonDocument doc = JsonDocument.Parse(TableJson);
                    foreach (JsonElement e in doc.RootElement.EnumerateArray())
                    {
                        string name = e.GetProperty("class").GetString()!;
                        rows[name] = new Row(name, e.GetProperty("errorId").GetString()!,
                            Enum.Parse<ErrorCategory>(e.GetProperty("category").GetString()!),
                            e.GetProperty("transient").GetBoolean());
                    }
                    _table = rows;
                }
                return _table;
            }
        }
    }

    /// <summary>The row of <paramref name="failureClass"/> (any casing), or null for a class the core does not list.</summary>
    public static Row? TryOf(string? failureClass)
    {
        if (string.Equals(failureClass, NativeLibraryUnavailable.Class, StringComparison.OrdinalIgnoreCase))
        {
            return NativeLibraryUnavailable;
        }
        return failureClass is not null && Table.TryGetValue(failureClass, out Row? row) ? row : null;
    }
}
