using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Checks that a value handed to the host (the step's AuthSessionOptions) holds data only: no
/// script blocks, script properties or script methods anywhere inside (code there would run with
/// the host's rights), no text with a NUL character, at most <see cref="MaxDepth"/> levels deep
/// and at most <see cref="MaxValues"/> values in all. One pass, compiled: a 200,000-element list
/// is refused in milliseconds instead of being walked by a script for seconds.
/// </summary>
public static class DataOnly
{
    /// <summary>The deepest nesting accepted (the top-level value is level 0).</summary>
    public const int MaxDepth = 16;

    /// <summary>The most values (keys, items and property values together) accepted.</summary>
    public const int MaxValues = 10_000;

    /// <summary>Null when <paramref name="value"/> holds data only, otherwise why not (one sentence, no value echoed).</summary>
    public static string? Problem(object? value)
    {
        int count = 0;
        var stack = new Stack<(object? Value, int Depth)>();
        stack.Push((value, 0));
        while (stack.Count > 0)
        {
            (object? current, int depth) = stack.Pop();
            if (++count > MaxValues)
            {
                return $"holds more than {MaxValues} values (keys, items and properties counted together); pass the host only the settings it needs";
            }
            if (current is null)
            {
                continue;
            }
            if (depth > MaxDepth)
            {
                return $"is nested more than {MaxDepth} levels deep";
            }
            PSObject? wrapped = current as PSObject;
            object inner = wrapped?.BaseObject ?? current;
            if (inner is ScriptBlock)
            {
                return "holds a script block; only data is allowed";
            }
            if (inner is string text)
            {
                if (text.Contains('\0'))
                {
                    return "holds a text with a NUL character (\\0)";
                }
                continue;
            }
            bool isBag = inner is PSCustomObject;
            if (isBag || inner is IDictionary)
            {
                // A script property or method attached to a table or a property bag is code.
                PSObject pso = wrapped ?? PSObject.AsPSObject(current);
                foreach (PSMemberInfo member in pso.Members)
                {
                    if (member is PSScriptProperty or PSScriptMethod)
                    {
                        return $"has a script member '{SafeText.Echo(member.Name)}' on a table or object; only data is allowed";
                    }
                }
            }
            if (inner is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (count + stack.Count > MaxValues * 2)
                    {
                        break;
                    }
                    stack.Push((entry.Key, depth + 1));
                    stack.Push((entry.Value, depth + 1));
                }
                continue;
            }
            if (inner is IEnumerable list)
            {
                foreach (object? item in list)
                {
                    // Stop reading a huge list early: the count check fails on it anyway.
                    if (count + stack.Count > MaxValues * 2)
                    {
                        break;
                    }
                    stack.Push((item, depth + 1));
                }
            }
            if (isBag)
            {
                PSObject pso = wrapped ?? PSObject.AsPSObject(current);
                foreach (PSPropertyInfo property in pso.Properties)
                {
                    if (property is not PSNoteProperty note)
                    {
                        return $"has a property '{SafeText.Echo(property.Name)}' that is not plain data; only note properties are allowed on objects";
                    }
                    stack.Push((note.Value, depth + 1));
                }
            }
        }
        return null;
    }
}
