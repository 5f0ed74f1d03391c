using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>How the state file is written and read.</summary>
    internal static class StateJson
    {
        private static readonly JsonSerializerOptions Options = CreateOptions();

        private static JsonSerializerOptions CreateOptions()
        {
            var options = new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNameCaseInsensitive = true,
                ReadCommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            };
            options.Converters.Add(new JsonStringEnumConverter());
            return options;
        }

        public static string Serialize(SimulatorState state) => JsonSerializer.Serialize(state, Options);

        public static SimulatorState? Deserialize(string json) => JsonSerializer.Deserialize<SimulatorState>(json, Options);
    }
}
