using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Every text that goes into a message from outside — an echo of user input, an error a host or
/// a foreign provider raised — passes through the core's scrubber (<c>idle_ec_text_scrub</c>):
/// secrets masked (the session's and the options' string values, and credential patterns such as
/// <c>password=</c> or <c>Bearer</c>), then flattened to one line and bounded. The rules live in
/// the core (see docs/redaction.md); this class only gathers the values and calls it.
/// </summary>
public static unsafe class SafeText
{
    /// <summary>How long an echo of one user value may be in a message, in characters.</summary>
    public const int EchoChars = 80;

    /// <summary>How many string values <see cref="SecretsOf"/> gathers at most.</summary>
    public const int MaxSecrets = 1024;

    /// <summary>How deep <see cref="SecretsOf"/> looks into nested values.</summary>
    public const int MaxSecretDepth = 8;

    /// <summary>A user value as a message shows it: its text on one line, at most <see cref="EchoChars"/> characters.</summary>
    public static string Echo(object? value) => Scrub(TextOf(value), EchoChars);

    /// <summary><paramref name="text"/> with credential patterns masked, on one line of at most <paramref name="maxChars"/> characters.</summary>
    public static string Scrub(string? text, int maxChars) => Scrub(text, maxChars, Array.Empty<object?>());

    /// <summary>
    /// <paramref name="text"/> with the string values of <paramref name="sources"/> (an AuthSession,
    /// AuthSessionOptions, ...) and credential patterns masked, on one line of at most
    /// <paramref name="maxChars"/> characters.
    /// </summary>
    public static string Scrub(string? text, int maxChars, params object?[] sources)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        NativeApi.EnsureLoaded();
        byte[] request = NativeApi.Utf8Z(JsonBridge.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WriteString("text", text);
            w.WriteNumber("maxChars", Math.Clamp(maxChars, 1, 100_000));
            w.WritePropertyName("redact");
            WriteSecrets(w, sources);
            w.WriteEndObject();
        }));
        byte* output = null;
        NativeStatus status;
        fixed (byte* input = request)
        {
            status = NativeApi.TextScrub(input, &output);
        }
        string? result = NativeApi.TakeString(output);
        if (status != NativeStatus.Ok || result is null)
        {
            throw DirectorySyncException.FromFailureJson(result);
        }
        return result;
    }

    /// <summary>Writes the secret values of <paramref name="sources"/> as a JSON array.</summary>
    internal static void WriteSecrets(System.Text.Json.Utf8JsonWriter w, object?[] sources)
    {
        w.WriteStartArray();
        foreach (string secret in SecretsOf(sources))
        {
            w.WriteStringValue(secret);
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// The string values of <paramref name="sources"/>. For a session object: its text (unless it
    /// is only its type's name; a property bag's is <c>@{Name=value; ...}</c>) and the strings in
    /// its own note properties. For a table or list (AuthSessionOptions): the strings in its
    /// values and items, nested up to <see cref="MaxSecretDepth"/> levels. A session's deeper
    /// state is not taken: it is the host's machinery, not the session's values. Script
    /// properties are not run.
    /// </summary>
    public static List<string> SecretsOf(params object?[] sources)
    {
        var found = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (object? source in sources)
        {
            object? inner = source is PSObject p ? p.BaseObject : source;
            bool data = inner is IDictionary || inner is IEnumerable && inner is not string;
            Collect(source, data ? 0 : MaxSecretDepth - 1, found, seen, topLevel: true);
        }
        return found;
    }

    private static void Add(List<string> found, string? text)
    {
        if (!string.IsNullOrWhiteSpace(text) && found.Count < MaxSecrets && !found.Contains(text))
        {
            found.Add(text);
        }
    }

    private static void Collect(object? value, int depth, List<string> found, HashSet<object> seen, bool topLevel)
    {
        if (value is null || depth > MaxSecretDepth || found.Count >= MaxSecrets)
        {
            return;
        }
        PSObject? wrapped = value as PSObject;
        object inner = wrapped?.BaseObject ?? value;
        switch (inner)
        {
            case string s:
                Add(found, s);
                return;
            case System.Security.SecureString:
            case ScriptBlock:
                return;
        }
        if (depth >= MaxSecretDepth)
        {
            // The last level: only texts, nothing looked into.
            return;
        }
        if (inner.GetType().IsPrimitive || inner is decimal or DateTime or DateTimeOffset or TimeSpan or Guid or Enum)
        {
            return;
        }
        if (!seen.Add(inner))
        {
            return;
        }
        PSObject pso = wrapped ?? PSObject.AsPSObject(value);
        if (topLevel || inner is PSCustomObject)
        {
            // The text PowerShell shows for it (a property bag's is @{Name=value; ...}).
            try
            {
                string text = pso.ToString();
                if (text != inner.GetType().FullName)
                {
                    Add(found, text);
                }
            }
            catch (Exception)
            {
                // A ToString that throws shows nothing either.
            }
        }
        if (inner is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in SafeEntries(dictionary))
            {
                Collect(entry.Value, depth + 1, found, seen, topLevel: false);
            }
        }
        else if (inner is IEnumerable list)
        {
            int count = 0;
            foreach (object? item in list)
            {
                if (++count > MaxSecrets)
                {
                    break;
                }
                Collect(item, depth + 1, found, seen, topLevel: false);
            }
        }
        foreach (PSPropertyInfo property in pso.Properties)
        {
            if (property is PSNoteProperty note)
            {
                Collect(note.Value, depth + 1, found, seen, topLevel: false);
            }
        }
    }

    private static IEnumerable<DictionaryEntry> SafeEntries(IDictionary dictionary)
    {
        var entries = new List<DictionaryEntry>();
        try
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                entries.Add(entry);
                if (entries.Count > MaxSecrets)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // A dictionary that cannot be enumerated has nothing more to give.
        }
        return entries;
    }

    private static string TextOf(object? value)
    {
        if (value is null)
        {
            return string.Empty;
        }
        try
        {
            return LanguagePrimitives.ConvertTo<string>(value) ?? string.Empty;
        }
        catch (Exception)
        {
            return value.GetType().FullName ?? string.Empty;
        }
    }
}
