using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Management.Automation;
using System.Xml.Linq;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>
/// The Gallery packages (scripts/package.sh → out/gallery/*.nupkg), unpacked into an empty folder
/// the way Install-PSResource lays modules out: &lt;root&gt;/&lt;Module&gt;/&lt;Version&gt;/ with the
/// package's root files, without NuGet's packaging artefacts and the nuspec.
/// </summary>
public sealed class GalleryInstall : IDisposable
{
    public const string ProviderName = "IdLE.Provider.EntraConnectSync";
    public const string StepsName = "IdLE.Steps.EntraConnectSync";
    public static readonly string[] ModuleNames = { ProviderName, StepsName };

    /// <summary>The product version (VERSION at the repository root).</summary>
    public static string Version => File.ReadAllText(Path.Combine(Paths.RepoRoot, "VERSION")).Trim();

    /// <summary>The module version: VERSION without a prerelease suffix.</summary>
    public static string ModuleVersion => Version.Split('-')[0];

    public static string GalleryDir => Path.Combine(Paths.RepoRoot, "out", "gallery");

    public static string PackagePath(string module) => Path.Combine(GalleryDir, $"{module}.{Version}.nupkg");

    /// <summary>The folder to put on PSModulePath.</summary>
    public string Root { get; }

    public GalleryInstall()
    {
        Root = Path.Combine(Path.GetTempPath(), "idle-ec-install-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        foreach (string module in ModuleNames)
        {
            string package = PackagePath(module);
            if (!File.Exists(package))
            {
                throw new InvalidOperationException(
                    $"The Gallery package '{package}' is missing. Run scripts/package.sh first (it builds the modules and packs out/gallery/*.nupkg).");
            }
            Unpack(package, ModuleDir(module), module);
        }
    }

    public string ModuleDir(string module) => Path.Combine(Root, module, ModuleVersion);

    public string Manifest(string module) => Path.Combine(ModuleDir(module), module + ".psd1");

    /// <summary>Whether a package entry is NuGet's own (not a module file).</summary>
    public static bool IsNuGetArtefact(string entry, string module) =>
        entry == "[Content_Types].xml"
        || entry.StartsWith("_rels/", StringComparison.Ordinal)
        || entry.StartsWith("package/", StringComparison.Ordinal)
        || string.Equals(entry, module + ".nuspec", StringComparison.OrdinalIgnoreCase);

    private static void Unpack(string package, string target, string module)
    {
        Directory.CreateDirectory(target);
        using ZipArchive zip = ZipFile.OpenRead(package);
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            string name = Uri.UnescapeDataString(entry.FullName.Replace('\\', '/'));
            if (name.EndsWith('/') || IsNuGetArtefact(name, module))
            {
                continue;
            }
            string destination = Path.GetFullPath(Path.Combine(target, name));
            if (!destination.StartsWith(Path.GetFullPath(target) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The package entry '{name}' points outside the module folder.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            entry.ExtractToFile(destination);
        }
    }

    /// <summary>A fresh runspace whose PSModulePath is only the install root; nothing imported.</summary>
    public Engine NewEngine()
    {
        var engine = new Engine(importProvider: false, testSessions: false);
        engine.Run("$env:PSModulePath = $root", variables: new Dictionary<string, object?> { ["root"] = Root });
        return engine;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // The native library may still be mapped by this process; the temp folder is left.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// Tests that change the process-wide PSModulePath: they run alone, never beside other tests.
/// </summary>
[CollectionDefinition("PSModulePath", DisableParallelization = true)]
public sealed class PSModulePathCollection
{
}

/// <summary>Installs the Gallery packages as Install-PSResource would and uses them by name.</summary>
[Collection("PSModulePath")]
public sealed class InstallTests : IClassFixture<GalleryInstall>, IDisposable
{
    private readonly GalleryInstall _install;
    private readonly string? _savedModulePath = Environment.GetEnvironmentVariable("PSModulePath");

    public InstallTests(GalleryInstall install) => _install = install;

    public void Dispose() => Environment.SetEnvironmentVariable("PSModulePath", _savedModulePath);

    [Fact]
    public void Packages_hold_the_module_files_at_the_root_and_only_NuGet_artefacts_besides()
    {
        foreach (string module in GalleryInstall.ModuleNames)
        {
            using ZipArchive zip = ZipFile.OpenRead(GalleryInstall.PackagePath(module));
            var entries = zip.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains(module + ".psd1", entries);
            Assert.Contains(module + ".psm1", entries);
            Assert.Contains(module + ".nuspec", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith(module + "/", StringComparison.Ordinal) || e.StartsWith("content/", StringComparison.Ordinal) || e.StartsWith("lib/", StringComparison.Ordinal));
            Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase));
            foreach (string entry in entries.Where(e => e.StartsWith("_rels/", StringComparison.Ordinal) || e.StartsWith("package/", StringComparison.Ordinal)))
            {
                Assert.Matches(@"^(_rels/\.rels|package/services/metadata/core-properties/[^/]+\.psmdcp)$", entry);
            }
        }
        using ZipArchive provider = ZipFile.OpenRead(GalleryInstall.PackagePath(GalleryInstall.ProviderName));
        var names = provider.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("IdLE.EntraConnect.Interop.dll", names);
        Assert.Contains(names, e => e.StartsWith("runtimes/", StringComparison.Ordinal) && e.Contains("/native/", StringComparison.Ordinal));
    }

    [Fact]
    public void Nuspecs_carry_the_Gallery_metadata_tags_and_the_dependency()
    {
        foreach (string module in GalleryInstall.ModuleNames)
        {
            using ZipArchive zip = ZipFile.OpenRead(GalleryInstall.PackagePath(module));
            using Stream stream = zip.GetEntry(module + ".nuspec")!.Open();
            XDocument nuspec = XDocument.Load(stream);
            XNamespace ns = nuspec.Root!.Name.Namespace;
            XElement metadata = nuspec.Root.Element(ns + "metadata")!;
            string Get(string name) => (string?)metadata.Element(ns + name) ?? "";
            Assert.Equal(module, Get("id"));
            Assert.Equal(GalleryInstall.Version, Get("version"));
            Assert.False(string.IsNullOrWhiteSpace(Get("authors")));
            Assert.False(string.IsNullOrWhiteSpace(Get("description")));
            Assert.StartsWith("https://", Get("projectUrl"));
            XElement license = metadata.Element(ns + "license")!;
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("Apache-2.0", license.Value);

            string[] tags = Get("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string tag in new[] { "PSModule", "PSEdition_Core", "PSIncludes_Function", "Windows", "Linux" })
            {
                Assert.Contains(tag, tags);
            }
            Assert.Equal(tags.Length, tags.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            string[] functions = module == GalleryInstall.ProviderName
                ? new[] { "New-IdleEntraConnectDirectorySyncProvider" }
                : new[] { "Invoke-IdleStepTriggerDirectorySync", "Get-IdleStepMetadataCatalog" };
            foreach (string function in functions)
            {
                Assert.Contains("PSFunction_" + function, tags);
                Assert.Contains("PSCommand_" + function, tags);
            }

            var dependencies = metadata.Descendants(ns + "dependency").ToArray();
            if (module == GalleryInstall.StepsName)
            {
                XElement dependency = Assert.Single(dependencies);
                Assert.Equal(GalleryInstall.ProviderName, (string?)dependency.Attribute("id"));
                string range = (string?)dependency.Attribute("version") ?? "";
                // NuGet writes a plain version for "this or later"; a range starts with a bracket.
                Assert.Matches(@"^(\d+\.\d+\.\d+|[\[(].*[\])])$", range);
                Assert.Contains(GalleryInstall.ModuleVersion, range);
            }
            else
            {
                Assert.Empty(dependencies);
            }
        }
    }

    [Fact]
    public void The_installed_layout_is_module_name_then_version_without_NuGet_files()
    {
        foreach (string module in GalleryInstall.ModuleNames)
        {
            Assert.Equal(new[] { GalleryInstall.ModuleVersion },
                Directory.GetDirectories(Path.Combine(_install.Root, module)).Select(Path.GetFileName).ToArray());
            string dir = _install.ModuleDir(module);
            var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).ToArray();
            Assert.Contains(module + ".psd1", files);
            Assert.DoesNotContain(files, f => f.EndsWith(".nuspec", StringComparison.Ordinal) || f.EndsWith(".psmdcp", StringComparison.Ordinal) || f == "[Content_Types].xml" || f.StartsWith("_rels/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Both_installed_manifests_pass_Test_ModuleManifest()
    {
        using Engine engine = _install.NewEngine();
        foreach (string module in GalleryInstall.ModuleNames)
        {
            var r = engine.Run("$m = Test-ModuleManifest -Path $path -ErrorAction Stop; $m.Name; [string] $m.Version",
                variables: new Dictionary<string, object?> { ["path"] = _install.Manifest(module) })
                .Select(o => o.BaseObject).ToArray();
            Assert.Equal(new object[] { module, GalleryInstall.ModuleVersion }, r);
        }
    }

    [Fact]
    public void Importing_the_step_pack_by_name_pulls_the_provider_from_the_same_root()
    {
        using Engine engine = _install.NewEngine();
        var r = engine.Run(@"
            Import-Module IdLE.Steps.EntraConnectSync -ErrorAction Stop
            foreach ($name in 'IdLE.Steps.EntraConnectSync', 'IdLE.Provider.EntraConnectSync') {
                $m = @(Get-Module -Name $name)
                if ($m.Count -ne 1) { throw ""$name is loaded $($m.Count) times"" }
                $m[0].ModuleBase
            }
            $names = [string[]] @(Get-Command -Module IdLE.Steps.EntraConnectSync | ForEach-Object Name); [array]::Sort($names); $names -join ','
            (Get-Command New-IdleEntraConnectDirectorySyncProvider).Source
            @((New-IdleEntraConnectDirectorySyncProvider).GetCapabilities()) -join ','
            (Get-IdleStepMetadataCatalog).ContainsKey('IdLE.Step.TriggerDirectorySync')").Select(o => o.BaseObject).ToArray();
        Assert.Equal(_install.ModuleDir(GalleryInstall.StepsName), Path.GetFullPath((string)r[0]));
        Assert.Equal(_install.ModuleDir(GalleryInstall.ProviderName), Path.GetFullPath((string)r[1]));
        Assert.Equal("Get-IdleStepMetadataCatalog,Invoke-IdleStepTriggerDirectorySync", r[2]);
        Assert.Equal(GalleryInstall.ProviderName, r[3]);
        Assert.Equal("IdLE.DirectorySync.Trigger,IdLE.DirectorySync.Status", r[4]);
        Assert.Equal(true, r[5]);
    }

    [Fact]
    public void Both_modules_import_by_name_and_the_native_core_loads_from_the_package()
    {
        using Engine engine = _install.NewEngine();
        var r = engine.Run(@"
            Import-Module IdLE.Provider.EntraConnectSync -ErrorAction Stop
            Import-Module IdLE.Steps.EntraConnectSync -ErrorAction Stop
            $p = New-IdleEntraConnectDirectorySyncProvider
            $p.Dispose()
            [IdLE.EntraConnect.Interop.NativeLibraryLocator]::RuntimeIdentifier
            [IdLE.EntraConnect.Interop.NativeLibraryLocator]::LibraryFileName").Select(o => (string)o.BaseObject).ToArray();
        string library = Path.Combine(_install.ModuleDir(GalleryInstall.ProviderName), "runtimes", r[0], "native", r[1]);
        Assert.True(File.Exists(library), "The package has no native library for this platform: " + library);
    }

    [Fact]
    public void Trigger_and_wait_against_the_simulator_completes_with_evidence()
    {
        string state = Path.Combine(Path.GetTempPath(), "idle-ec-install-sim-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            using Engine engine = _install.NewEngine();
            var r = engine.Run(@"
                Import-Module IdLE.Steps.EntraConnectSync -ErrorAction Stop
                Import-Module -Name $simulator -ErrorAction Stop
                Reset-ADSyncSimulator -StatePath $state -StepSeconds 0.3 -GapSeconds 0.2 -StartLagSeconds 0.5 -AutoSchedulerCycles $false

                $session = [pscustomobject]@{ PSTypeName = 'Test.LocalAuthSession' }
                $session.PSObject.Members.Add([psscriptmethod]::new('InvokeCommand', {
                            param($CommandName, $Parameters)
                            & $CommandName @Parameters
                        }))
                $sink = [pscustomobject]@{ Events = [System.Collections.Generic.List[object]]::new() }
                $sink.PSObject.Members.Add([psscriptmethod]::new('WriteEvent', {
                            param($Type, $Message, $StepName, $Data)
                            $this.Events.Add([pscustomobject]@{ Type = $Type; Message = $Message; StepName = $StepName; Data = $Data })
                        }))
                $ctx = [pscustomobject]@{
                    Providers = @{ DirectorySync = New-IdleEntraConnectDirectorySyncProvider }
                    EventSink = $sink
                    Session   = $session
                    Requested = [System.Collections.Generic.List[string]]::new()
                }
                $ctx.PSObject.Members.Add([psscriptmethod]::new('AcquireAuthSession', {
                            param($Name, $Options)
                            $this.Requested.Add($Name)
                            $this.Session
                        }))

                $step = @{
                    Name = 'Sync'; Type = 'IdLE.Step.TriggerDirectorySync'
                    With = @{ AuthSessionName = 'EntraConnect'; PolicyType = 'Delta'; Wait = $true; PollIntervalSeconds = 1; TimeoutSeconds = 120 }
                }
                $output = @(Invoke-IdleStepTriggerDirectorySync -Context $ctx -Step $step)
                $completed = @($sink.Events | Where-Object Type -EQ 'DirectorySyncCompleted')
                [pscustomobject]@{
                    OutputCount    = $output.Count
                    Status         = $output[0].Status
                    Changed        = $output[0].Changed
                    Name           = $output[0].Name
                    Type           = $output[0].Type
                    Error          = $output[0].Error
                    TypeName       = $output[0].PSObject.TypeNames[0]
                    EventTypes     = @($sink.Events | ForEach-Object Type) -join ','
                    StepNames      = @([System.Linq.Enumerable]::Distinct([string[]] @($sink.Events | ForEach-Object StepName))) -join ','
                    CompletedCount = $completed.Count
                    StartObserved  = if ($completed.Count -eq 1) { $completed[0].Data['startObserved'] } else { $null }
                    Warnings       = if ($completed.Count -eq 1) { @($completed[0].Data['warnings']) -join ',' } else { $null }
                    Requested      = $ctx.Requested -join ','
                    RunHistory     = (Get-ADSyncSimulatorState).RunHistoryCount
                }", variables: new Dictionary<string, object?> { ["simulator"] = Paths.Simulator, ["state"] = state }).Single();

            string events = (string)r.Properties["EventTypes"].Value;
            Assert.Equal(1, r.Properties["OutputCount"].Value);
            Assert.Equal("IdLE.StepResult", r.Properties["TypeName"].Value);
            Assert.Equal("Completed", r.Properties["Status"].Value);
            Assert.Equal(true, r.Properties["Changed"].Value);
            Assert.Equal("Sync", r.Properties["Name"].Value);
            Assert.Equal("IdLE.Step.TriggerDirectorySync", r.Properties["Type"].Value);
            Assert.Null(r.Properties["Error"].Value);
            Assert.Equal("EntraConnect", r.Properties["Requested"].Value);
            Assert.StartsWith("DirectorySyncTriggered,DirectorySyncWaiting,DirectorySyncPoll", events);
            Assert.EndsWith("DirectorySyncCompleted", events);
            Assert.DoesNotContain("DirectorySyncFailed", events);
            Assert.Equal("Sync", r.Properties["StepNames"].Value);
            Assert.Equal(1, r.Properties["CompletedCount"].Value);
            Assert.Equal(true, r.Properties["StartObserved"].Value);
            Assert.DoesNotContain("StartNotObserved", (string?)r.Properties["Warnings"].Value ?? "");
        }
        finally
        {
            foreach (string file in new[] { state, state + ".lock" })
            {
                try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
