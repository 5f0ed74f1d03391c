using System;
using System.IO;
using System.Reflection;

namespace IdLE.EntraConnect.Simulator.Tests
{
    /// <summary>Finds the built simulator module next to this test project.</summary>
    internal static class BuiltArtifacts
    {
        private static readonly Lazy<string> RepoRoot = new Lazy<string>(FindRepoRoot);

        public static string Configuration =>
            typeof(BuiltArtifacts).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

        public static string ModuleManifest => Existing(Path.Combine(RepoRoot.Value, "sim", "IdLE.EntraConnect.Simulator", "bin", Configuration, "net8.0", "IdLE.EntraConnect.Simulator.psd1"));

        private static string Existing(string path) =>
            File.Exists(path) ? path : throw new FileNotFoundException("Not built: " + path, path);

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null)
            {
                if (File.Exists(Path.Combine(dir.FullName, "sim", "IdLE.EntraConnect.Simulator", "IdLE.EntraConnect.Simulator.csproj")))
                {
                    return dir.FullName;
                }

                dir = dir.Parent;
            }

            throw new DirectoryNotFoundException("Could not find the repository root above " + AppContext.BaseDirectory);
        }
    }
}
