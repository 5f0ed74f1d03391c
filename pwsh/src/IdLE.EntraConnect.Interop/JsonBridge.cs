using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Converts between PowerShell objects and the JSON the core speaks. Objects are written with
/// their properties (as remoting would show them), never their ToString().
/// </summary>
public static class JsonBridge
{
    /// <summary>How deep objects are written; deeper values are written as their text.</summary>
    public const int MaxDepth = 5;

    /// <summary>Writes <paramref name="value"/> as JSON.</summary>
    public static string ToJson(object? value) => WriteJson(w => Write(w, value, 0));

    /// <summary>The JSON text that <paramref name="write"/> produces.</summary>
    internal static string WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }
        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    internal static void Write(Utf8JsonWriter w, object? value, int depth)
    {
        if (value is PSObject pso)
        {
            object baseObject = pso.BaseObject;
            if (baseObject is PSCustomObject || !IsScalar(baseObject) && baseObject is not IDictionary && baseObject is not IEnumerable)
            {
                WriteProperties(w, pso, depth);
                return;
            }
            value = baseObject;
        }
        switch (value)
        {
            case null:
                w.WriteNullValue();
                return;
            case string s:
                w.WriteStringValue(s);
                return;
            case char c:
                w.WriteStringValue(c.ToString());
                return;
            case bool b:
                w.WriteBooleanValue(b);
                return;
            case Enum e:
                w.WriteStringValue(e.ToString());
                return;
            case DateTime dt:
                w.WriteStringValue(dt.ToString("o", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dto:
                w.WriteStringValue(dto.ToString("o", CultureInfo.InvariantCulture));
                return;
            case TimeSpan ts:
                w.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Guid g:
                w.WriteStringValue(g.ToString());
                return;
            case byte or sbyte or short or ushort or int or uint or long:
                w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return;
            case ulong ul:
                w.WriteNumberValue(ul);
                return;
            case float or double or decimal:
                double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d)) { w.WriteNumberValue(d); } else { w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); }
                return;
            // Secrets never leave the host: not even into the core's memory.
            case SecureString:
                w.WriteNullValue();
                return;
            case PSCredential cred:
                w.WriteStartObject();
                w.WriteString("UserName", cred.UserName);
                w.WriteEndObject();
                return;
            case ScriptBlock:
                w.WriteStringValue("[scriptblock]");
                return;
        }
        if (depth >= MaxDepth)
        {
            w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
            return;
        }
        if (value is IDictionary dict)
        {
            w.WriteStartObject();
            foreach (DictionaryEntry entry in dict)
            {
                w.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                Write(w, entry.Value, depth + 1);
            }
            w.WriteEndObject();
            return;
        }
        if (value is IEnumerable items)
        {
            w.WriteStartArray();
            foreach (object? item in items)
            {
                Write(w, item, depth + 1);
            }
            w.WriteEndArray();
            return;
        }
        WriteProperties(w, PSObject.AsPSObject(value), depth);
    }

    private static bool IsScalar(object value) =>
        value is string or char or bool or Enum or DateTime or DateTimeOffset or TimeSpan or Guid
            or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal
            or SecureString or PSCredential or ScriptBlock;

    private static void WriteProperties(Utf8JsonWriter w, PSObject pso, int depth)
    {
        if (depth >= MaxDepth)
        {
            w.WriteStringValue(SafeToString(pso));
            return;
        }
        w.WriteStartObject();
        foreach (PSPropertyInfo property in pso.Properties)
        {
            object? propertyValue;
            try
            {
                propertyValue = property.Value;
            }
            catch (Exception)
            {
                // A getter that throws (common on live .NET objects) is skipped, as remoting does.
                continue;
            }
            w.WritePropertyName(property.Name);
            Write(w, propertyValue, depth + 1);
        }
        w.WriteEndObject();
    }

    private static string SafeToString(object value)
    {
        try
        {
            return value.ToString() ?? string.Empty;
        }
        catch (Exception)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// Converts the core's JSON to PowerShell values: the top-level object becomes a
    /// PSCustomObject (so results read like other cmdlets' output), nested objects become
    /// hashtables (the IdLE contract's <c>Details</c>), arrays become object arrays.
    /// </summary>
    public static object? FromJson(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? ToPSCustomObject(doc.RootElement)
            : ToValue(doc.RootElement);
    }

    internal static PSObject ToPSCustomObject(JsonElement element)
    {
        var result = new PSObject();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            result.Properties.Add(new PSNoteProperty(property.Name, ToValue(property.Value)));
        }
        return result;
    }

    /// <summary>A JSON object as a case-insensitive hashtable.</summary>
    internal static Hashtable ToHashtable(JsonElement element)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            table[property.Name] = ToValue(property.Value);
        }
        return table;
    }

    internal static object? ToValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return ToHashtable(element);
            case JsonValueKind.Array:
                var list = new object?[element.GetArrayLength()];
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    list[i++] = ToValue(item);
                }
                return list;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                if (element.TryGetInt32(out int n)) { return n; }
                if (element.TryGetInt64(out long l)) { return l; }
                return element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
