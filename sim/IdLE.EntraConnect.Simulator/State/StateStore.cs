using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace IdLE.EntraConnect.Simulator.State
{
    /// <summary>
    /// Reads and writes the state file under an exclusive lock shared by every process:
    /// a sibling ".lock" file opened with FileShare.None (retried until a timeout), the state
    /// written to a temporary file and moved over the old one (an atomic replace).
    /// </summary>
    public static class StateStore
    {
        private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Runs <paramref name="action"/> on the state under the lock; writes it back (and
        /// increments Revision) if it changed or <paramref name="forceWrite"/> is set.
        /// </summary>
        public static T Update<T>(string path, Func<SimulatorState, T> action, bool forceWrite = false)
            => Update(path, action, forceWrite, tolerateInvalid: false);

        private static T Update<T>(string path, Func<SimulatorState, T> action, bool forceWrite, bool tolerateInvalid)
        {
            string fullPath = Path.GetFullPath(path);
            string? directory = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            using (AcquireLock(fullPath + ".lock"))
            {
                string? original = File.Exists(fullPath) ? File.ReadAllText(fullPath, Encoding.UTF8) : null;
                SimulatorState state = original is null || original.Trim().Length == 0
                    ? SimulatorState.CreateDefault(DateTime.UtcNow)
                    : Parse(original, fullPath, tolerateInvalid);

                T result = action(state);

                string updated = StateJson.Serialize(state);
                if (forceWrite || !string.Equals(updated, original, StringComparison.Ordinal))
                {
                    state.Revision++;
                    WriteAtomically(fullPath, StateJson.Serialize(state));
                }

                return result;
            }
        }

        /// <summary>Replaces the whole state (used by a reset); also repairs an unreadable file.</summary>
        public static void Replace(string path, SimulatorState state) => Update(path, current =>
        {
            CopyInto(state, current);
            return true;
        }, forceWrite: true, tolerateInvalid: true);

        private static void CopyInto(SimulatorState source, SimulatorState target)
        {
            target.SchemaVersion = source.SchemaVersion;
            target.Clock = source.Clock;
            target.Scenario = source.Scenario;
            target.NextSyncCycleStartTimeInUTC = source.NextSyncCycleStartTimeInUTC;
            target.NextSyncCyclePolicyType = source.NextSyncCyclePolicyType;
            target.LastCycleEndUtc = source.LastCycleEndUtc;
            target.Connectors = source.Connectors;
            target.CurrentCycle = source.CurrentCycle;
            target.RunHistory = source.RunHistory;
        }

        private static SimulatorState Parse(string json, string path, bool tolerateInvalid)
        {
            try
            {
                return StateJson.Deserialize(json) ?? throw new InvalidDataException("The state file holds null.");
            }
            catch (Exception e) when (e is System.Text.Json.JsonException || e is NotSupportedException || e is InvalidDataException)
            {
                if (tolerateInvalid)
                {
                    return SimulatorState.CreateDefault(DateTime.UtcNow);
                }

                throw new InvalidDataException(
                    "The ADSync simulator state file '" + path + "' is not valid: " + e.Message +
                    " Reset it with Reset-ADSyncSimulator.", e);
            }
        }

        private static FileStream AcquireLock(string lockPath)
        {
            var watch = Stopwatch.StartNew();
            int delay = 5;
            while (true)
            {
                try
                {
                    return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                }
                catch (IOException) when (watch.Elapsed < LockTimeout)
                {
                }
                catch (UnauthorizedAccessException) when (watch.Elapsed < LockTimeout)
                {
                    // Windows reports a file being deleted or locked this way at times.
                }

                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 50);
            }
        }

        private static void WriteAtomically(string path, string text)
        {
            string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    byte[] bytes = new UTF8Encoding(false).GetBytes(text);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }

                File.Move(temp, path, true);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
    }
}
