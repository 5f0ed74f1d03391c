using System.Collections;
using System.IO;
using System.Management.Automation.Language;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// Reads a <c>.psd1</c> data file as Import-PowerShellDataFile does (parsed, never executed),
/// for the modules' data-only configuration. Compiled here because the same few calls made from
/// script cost a module about 100 ms of import time in the engine's cold binders.
/// </summary>
public static class DataFile
{
    /// <summary>The hashtable in the data file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file does not parse, holds no hashtable, or holds anything but data.</exception>
    public static Hashtable Read(string path)
    {
        string name = Path.GetFileName(path);
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        if (errors.Length > 0)
        {
            throw new InvalidDataException($"{name} does not parse: {errors[0].Message}");
        }
        if (ast.Find(node => node is HashtableAst, searchNestedScriptBlocks: false) is not HashtableAst table)
        {
            throw new InvalidDataException($"{name} holds no hashtable.");
        }
        try
        {
            return (Hashtable)table.SafeGetValue();
        }
        catch (System.InvalidOperationException e)
        {
            throw new InvalidDataException($"{name} must hold data only: {e.Message}", e);
        }
    }
}
