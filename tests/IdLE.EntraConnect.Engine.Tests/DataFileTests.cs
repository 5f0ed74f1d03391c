using System;
using System.Collections;
using System.IO;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>The modules' data files are parsed, never executed, and refused when they hold code.</summary>
public class DataFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "idle-datafile-" + Guid.NewGuid().ToString("N"));

    public DataFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "Data.psd1");
        File.WriteAllText(path, text);
        return path;
    }

    // The test reads through the built module's assembly, as the step module does.
    private static string Read(Engine engine, string path) =>
        (string)engine.Value($@"
            try {{ $t = [IdLE.EntraConnect.Interop.DataFile]::Read('{path.Replace("'", "''")}'); 'ok:' + $t['A'] + ':' + $t['Nested']['B'].Count }}
            catch {{ 'error:' + $_.Exception.InnerException.Message }}")!;

    [Fact]
    public void A_data_file_reads_as_a_hashtable()
    {
        using var engine = new Engine();
        Assert.Equal("ok:one:2", Read(engine, Write("# comment\n@{ A = 'one'; Nested = @{ B = @('x', 'y') } }")));
    }

    [Fact]
    public void Code_in_a_data_file_is_refused_and_never_run()
    {
        using var engine = new Engine();
        string marker = Path.Combine(_dir, "ran");
        string result = Read(engine, Write($"@{{ A = $(New-Item -ItemType File -Path '{marker}') }}"));
        Assert.StartsWith("error:Data.psd1 must hold data only", result);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("@{ A = 'one'", "error:Data.psd1 does not parse")]
    [InlineData("'just text'", "error:Data.psd1 holds no hashtable.")]
    public void Broken_data_files_fail_naming_the_file(string text, string expected)
    {
        using var engine = new Engine();
        Assert.StartsWith(expected, Read(engine, Write(text)));
    }
}
