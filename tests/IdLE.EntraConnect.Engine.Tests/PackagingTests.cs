using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// What the source tree and the built modules must satisfy before anything is published.
/// Test-ModuleManifest resolves RequiredModules through PSModulePath (process-wide), hence the
/// serial collection.
/// </summary>
[Collection("PSModulePath")]
public sealed class PackagingTests : IDisposable
{
    private readonly string? _savedModulePath = Environment.GetEnvironmentVariable("PSModulePath");

    public void Dispose() => Environment.SetEnvironmentVariable("PSModulePath", _savedModulePath);

    private static readonly string[] Excluded = { "out", "bin", "obj", "target", ".git", "TestResults", "node_modules" };

    private const string ProviderName = "IdLE.Provider.EntraConnectSync";
    private const string StepsName = "IdLE.Steps.EntraConnectSync";

    private static string SourceManifest(string module) => Path.Combine(Paths.RepoRoot, "pwsh", module, module + ".psd1");

    /// <summary>Every PowerShell file of the repository, relative to its root, outside build output.</summary>
    public static IEnumerable<string> PowerShellFiles()
    {
        var pending = new Stack<string>();
        pending.Push(Paths.RepoRoot);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.GetDirectories(dir))
            {
                if (!Excluded.Contains(Path.GetFileName(sub)))
                {
                    pending.Push(sub);
                }
            }
            foreach (string file in Directory.GetFiles(dir))
            {
                string ext = Path.GetExtension(file).ToLowerInvariant();
                if (ext is ".ps1" or ".psm1" or ".psd1")
                {
                    yield return Path.GetRelativePath(Paths.RepoRoot, file).Replace('\\', '/');
                }
            }
        }
    }

    public static TheoryData<string> PowerShellFileData()
    {
        var data = new TheoryData<string>();
        foreach (string file in PowerShellFiles().OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(file);
        }
        return data;
    }

    private static string[] BuiltModuleNames() =>
        Directory.Exists(Paths.Modules)
            ? Directory.GetDirectories(Paths.Modules).Select(d => Path.GetFileName(d)).OrderBy(d => d, StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();

    public static TheoryData<string> BuiltManifests()
    {
        var data = new TheoryData<string>();
        foreach (string module in BuiltModuleNames())
        {
            data.Add(module);
        }
        return data;
    }

    /// <summary>A data file (manifest) read as data: the parser's safe value extraction.</summary>
    private static Hashtable ReadDataFile(string path)
    {
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        Assert.True(errors.Length == 0, $"{path} does not parse: {string.Join("; ", errors.Select(e => e.Message))}");
        var table = (HashtableAst)ast.Find(node => node is HashtableAst, false)!;
        return (Hashtable)table.SafeGetValue();
    }

    private static string[] List(object? value) => value switch
    {
        null => Array.Empty<string>(),
        string s => new[] { s },
        IEnumerable e => e.Cast<object?>().Select(o => o?.ToString() ?? "").ToArray(),
        _ => new[] { value.ToString() ?? "" },
    };

    [Fact]
    public void The_repository_has_the_PowerShell_files_it_ships()
    {
        var files = PowerShellFiles().ToArray();
        Assert.Contains($"pwsh/{ProviderName}/{ProviderName}.psm1", files);
        Assert.Contains($"pwsh/{StepsName}/{StepsName}.psm1", files);
        Assert.Contains($"pwsh/{StepsName}/StepMetadataCatalog.psd1", files);
        Assert.DoesNotContain(files, f => f.StartsWith("out/", StringComparison.Ordinal) || f.Contains("/bin/") || f.Contains("/obj/"));
    }

    [Theory]
    [MemberData(nameof(PowerShellFileData))]
    public void Every_PowerShell_file_parses_without_errors(string file)
    {
        Parser.ParseFile(Path.Combine(Paths.RepoRoot, file), out _, out ParseError[] errors);
        Assert.True(errors.Length == 0,
            $"{file}: " + string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}")));
    }

    [Theory]
    [MemberData(nameof(BuiltManifests))]
    public void Every_built_manifest_passes_Test_ModuleManifest(string module)
    {
        string manifest = Path.Combine(Paths.Modules, module, module + ".psd1");
        Assert.True(File.Exists(manifest), $"{manifest} is missing; run scripts/build.sh");
        // The step pack requires the provider module by name: the built modules' folder is the
        // only entry on PSModulePath, as an installed module's folder would be.
        using var engine = new Engine(importProvider: false, testSessions: false);
        var r = engine.Run("$env:PSModulePath = $modules; $m = Test-ModuleManifest -Path $path -ErrorAction Stop; $m.Name",
            variables: new Dictionary<string, object?> { ["path"] = manifest, ["modules"] = Paths.Modules }).Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { module }, r);
    }

    [Fact]
    public void Both_product_modules_are_built()
    {
        var built = BuiltModuleNames();
        Assert.Contains(ProviderName, built);
        Assert.Contains(StepsName, built);
    }

    [Theory]
    [InlineData(ProviderName)]
    [InlineData(StepsName)]
    public void Source_manifests_meet_the_Gallery_and_IdLE_conventions(string module)
    {
        Hashtable m = ReadDataFile(SourceManifest(module));
        foreach (string key in new[] { "FunctionsToExport", "CmdletsToExport", "AliasesToExport", "VariablesToExport" })
        {
            Assert.True(m.ContainsKey(key), $"{module}: {key} is not set (an unset list exports everything)");
            Assert.True(m[key] is not null, $"{module}: {key} is null");
            string[] names = List(m[key]);
            Assert.DoesNotContain(names, n => n.Contains('*') || n.Contains('?'));
        }
        Assert.NotEmpty(List(m["FunctionsToExport"]));
        Assert.Equal(new[] { "Core" }, List(m["CompatiblePSEditions"]));
        Assert.Equal("7.4", m["PowerShellVersion"]?.ToString());
        foreach (string key in new[] { "RootModule", "ModuleVersion", "GUID", "Author", "Description", "Copyright" })
        {
            Assert.False(string.IsNullOrWhiteSpace(m[key]?.ToString()), $"{module}: {key} is empty");
        }

        var privateData = Assert.IsType<Hashtable>(m["PrivateData"]);
        var psData = Assert.IsType<Hashtable>(privateData["PSData"]);
        string[] tags = List(psData["Tags"]);
        Assert.NotEmpty(tags);
        Assert.DoesNotContain(tags, t => string.IsNullOrWhiteSpace(t) || t.Any(char.IsWhiteSpace));
        foreach (string key in new[] { "LicenseUri", "ProjectUri" })
        {
            string? uri = psData[key]?.ToString();
            Assert.True(Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) && parsed.Scheme == "https", $"{module}: PSData.{key} '{uri}' is not an https URI");
        }

        // The psm1 exports exactly what the manifest lists.
        string psm1 = File.ReadAllText(Path.Combine(Paths.RepoRoot, "pwsh", module, module + ".psm1"));
        foreach (string function in List(m["FunctionsToExport"]))
        {
            Assert.Matches(@"Export-ModuleMember[^\n]*'" + Regex.Escape(function) + "'", psm1);
        }
    }

    [Fact]
    public void The_step_pack_requires_the_provider_module_by_name_version_and_GUID()
    {
        Hashtable provider = ReadDataFile(SourceManifest(ProviderName));
        Hashtable steps = ReadDataFile(SourceManifest(StepsName));
        var required = List(steps["RequiredModules"]).Length;
        Assert.Equal(1, required);
        var entry = Assert.IsType<Hashtable>(((IEnumerable)steps["RequiredModules"]!).Cast<object>().Single());
        Assert.Equal(ProviderName, entry["ModuleName"]);
        Assert.Equal(provider["GUID"]?.ToString(), entry["GUID"]?.ToString());
    }

    /// <summary>Each place that states the version, with what it states (the C# twin of scripts/check-version.sh).</summary>
    public static IEnumerable<(string Where, string? Found)> StatedVersions()
    {
        string cargo = File.ReadAllText(Path.Combine(Paths.RepoRoot, "Cargo.toml"));
        Match package = Regex.Match(cargo, @"^\[package\]\s*$(?<body>.*?)(?=^\[|\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        Match cargoVersion = Regex.Match(package.Groups["body"].Value, @"^\s*version\s*=\s*""(?<v>[^""]*)""", RegexOptions.Multiline);
        yield return ("Cargo.toml [package] version", cargoVersion.Success ? cargoVersion.Groups["v"].Value : null);

        foreach (string module in new[] { ProviderName, StepsName })
        {
            yield return ($"{module}.psd1 ModuleVersion", ReadDataFile(SourceManifest(module))["ModuleVersion"]?.ToString());
        }

        Hashtable steps = ReadDataFile(SourceManifest(StepsName));
        Hashtable? requirement = ((IEnumerable?)steps["RequiredModules"])?.Cast<object>().OfType<Hashtable>()
            .FirstOrDefault(h => (h["ModuleName"] as string) == ProviderName);
        yield return ($"{StepsName}.psd1 RequiredModules ({ProviderName}) version",
            requirement?["ModuleVersion"]?.ToString() ?? requirement?["RequiredVersion"]?.ToString());

        XDocument csproj = XDocument.Load(Path.Combine(Paths.RepoRoot, "pwsh", "src", "IdLE.EntraConnect.Interop", "IdLE.EntraConnect.Interop.csproj"));
        string? fallback = csproj.Descendants("Version")
            .FirstOrDefault(v => ((string?)v.Attribute("Condition") ?? "").Replace(" ", "") == "'$(Version)'==''")?.Value;
        yield return ("IdLE.EntraConnect.Interop.csproj default Version", fallback);
    }

    [Fact]
    public void Every_stated_version_agrees_with_VERSION()
    {
        string version = File.ReadAllText(Path.Combine(Paths.RepoRoot, "VERSION")).Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", version);
        string moduleVersion = version.Split('-')[0];
        var disagreements = StatedVersions()
            .Where(s => s.Found != (s.Where.StartsWith("Cargo.toml", StringComparison.Ordinal) || s.Where.Contains("csproj") ? version : moduleVersion))
            .Select(s => $"{s.Where} is '{s.Found ?? "<not found>"}'")
            .ToArray();
        Assert.True(disagreements.Length == 0, $"VERSION is {version}, but: " + string.Join("; ", disagreements));
    }
}
