using System;
using System.Buffers;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
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
    /// <remarks>
    /// Eight levels reach a run's step errors in a session answer (answer, output list, run,
    /// RunStepResults, step, SyncErrors, SyncErrorsXml) and a step's counters in the wait
    /// machine's <c>runs</c> input; <see cref="MaxJsonBytes"/> bounds the size whatever the depth.
    /// </remarks>
    public const int MaxDepth = 8;

    /// <summary>
    /// The most JSON written for one value: the core's default cap on one session answer
    /// (<c>IDLE_EC_DEFAULT_MAX_ANSWER_BYTES</c>), which every provider this layer creates keeps.
    /// Depth alone does not bound an object graph: a live .NET object (an Assembly, say) fans
    /// out into gigabytes within five levels.
    /// </summary>
    public const long MaxJsonBytes = 16 * 1024 * 1024;

    /// <summary>Writes <paramref name="value"/> as JSON.</summary>
    public static string ToJson(object? value) => WriteJson(w => Write(w, value, 0));

    /// <summary>The JSON text that <paramref name="write"/> produces.</summary>
    /// <exception cref="JsonTooLargeException">The JSON would pass <see cref="MaxJsonBytes"/>.</exception>
    internal static string WriteJson(Action<Utf8JsonWriter> write)
    {
        ArrayBufferWriter<byte> json = Render(write, out bool complete);
        if (!complete)
        {
            throw new JsonTooLargeException();
        }
        return System.Text.Encoding.UTF8.GetString(json.WrittenSpan);
    }

    /// <summary>
    /// The UTF-8 JSON that <paramref name="write"/> produces, in one buffer (no stream behind the
    /// writer, so no second copy). Past <see cref="MaxJsonBytes"/> it stops and returns what it
    /// has, with <paramref name="complete"/> false.
    /// </summary>
    internal static ArrayBufferWriter<byte> Render(Action<Utf8JsonWriter> write, out bool complete)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        try
        {
            write(writer);
            complete = true;
        }
        catch (JsonTooLargeException)
        {
            complete = false;
        }
        writer.Flush();
        return buffer;
    }

    internal static void Write(Utf8JsonWriter w, object? value, int depth)
    {
        if (w.BytesPending + w.BytesCommitted > MaxJsonBytes)
        {
            throw new JsonTooLargeException();
        }
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
            case SwitchParameter sw:
                w.WriteBooleanValue(sw.IsPresent);
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
            case System.Net.NetworkCredential network:
                w.WriteStartObject();
                w.WriteString("UserName", network.UserName);
                w.WriteString("Domain", network.Domain);
                w.WriteEndObject();
                return;
            case ScriptBlock:
                w.WriteStringValue("[scriptblock]");
                return;
        }
        if (depth >= MaxDepth)
        {
            w.WriteStringValue(SafeToString(value));
            return;
        }
        if (value is IDictionary dict)
        {
            w.WriteStartObject();
            foreach (DictionaryEntry entry in dict)
            {
                w.WritePropertyName(SafeToString(entry.Key));
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
        value is string or char or bool or SwitchParameter or Enum or DateTime or DateTimeOffset or TimeSpan or Guid
            or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal
            or SecureString or PSCredential or System.Net.NetworkCredential or ScriptBlock;

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

    /// <summary>The value's invariant text; empty when its ToString() throws.</summary>
    private static string SafeToString(object? value)
    {
        try
        {
            return Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
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
    /// <remarks>
    /// One forward pass of a <see cref="Utf8JsonReader"/>, no document in between: this runs on
    /// every provider call and every wait decision.
    /// </remarks>
    public static object? FromJson(string json) => Read(json, customObjectAtTop: true);

    /// <summary>A JSON object (the core's command parameters) as a case-insensitive hashtable.</summary>
    internal static Hashtable ReadHashtable(string json) =>
        Read(json, customObjectAtTop: false) as Hashtable ?? throw new JsonException("The JSON text is not an object.");

    private static object? Read(string json, bool customObjectAtTop)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            int length = System.Text.Encoding.UTF8.GetBytes(json, rented);
            var reader = new Utf8JsonReader(rented.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 128 });
            if (!reader.Read())
            {
                throw new JsonException("The JSON text is empty.");
            }
            object? value = reader.TokenType == JsonTokenType.StartObject ? ReadObject(ref reader, customObjectAtTop) : ReadValue(ref reader);
            if (reader.Read())
            {
                throw new JsonException("The JSON text goes on after its value.");
            }
            return value;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The value at the reader's current token (its first token already read).</summary>
    private static object? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, topLevel: false);
            case JsonTokenType.StartArray:
                var items = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader));
                }
                return items.ToArray();
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.TryGetInt32(out int n)) { return n; }
                if (reader.TryGetInt64(out long l)) { return l; }
                return reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>An object: a PSCustomObject at the top level, a case-insensitive hashtable below.</summary>
    private static object ReadObject(ref Utf8JsonReader reader, bool topLevel)
    {
        PSObject? result = topLevel ? new PSObject() : null;
        Hashtable? table = topLevel ? null : new Hashtable(StringComparer.OrdinalIgnoreCase);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            object? value = ReadValue(ref reader);
            if (result is not null)
            {
                // The core writes each key once: the duplicate check of a plain Add (a lookup
                // through every member source of the object, per property) is skipped.
                result.Properties.Add(new PSNoteProperty(name, value), preValidated: true);
            }
            else
            {
                table![name] = value;
            }
        }
        return (object?)result ?? table!;
    }
}

/// <summary>A value whose JSON would pass <see cref="JsonBridge.MaxJsonBytes"/>.</summary>
public sealed class JsonTooLargeException : Exception
{
    /// <summary>Creates the exception with a message that names the limit.</summary>
    public JsonTooLargeException()
        : base($"The value is larger than {JsonBridge.MaxJsonBytes / (1024 * 1024)} MiB as JSON and was not passed to the native core.")
    {
    }
}
