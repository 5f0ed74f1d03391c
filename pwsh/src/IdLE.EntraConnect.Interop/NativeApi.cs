using System;
using System.Runtime.InteropServices;
using System.Text;

namespace IdLE.EntraConnect.Interop;

/// <summary>The callback table handed to the core (<c>idle_ec_session</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeSession
{
    public IntPtr UserData;
    public delegate* unmanaged<IntPtr, byte*, byte*, IntPtr, uint> Invoke;
}

/// <summary>
/// The native core's exports, resolved once per process from the library loaded by absolute path
/// (no DllImport probing), after an ABI-version handshake.
/// </summary>
internal static unsafe class NativeApi
{
    /// <summary>The ABI version this assembly was built for (<c>IDLE_EC_ABI_VERSION</c>).</summary>
    internal const uint ExpectedAbiVersion = 1;

    private static readonly object Gate = new();
    private static volatile bool _loaded;
    private static Exception? _loadFailure;

    internal static delegate* unmanaged<uint> AbiVersion;
    internal static delegate* unmanaged<byte*> Version;
    internal static delegate* unmanaged<byte*, void> StringFree;
    internal static delegate* unmanaged<IntPtr, byte*, nuint, NativeStatus> SinkWrite;
    internal static delegate* unmanaged<byte*, IntPtr*, byte**, NativeStatus> ProviderNew;
    internal static delegate* unmanaged<IntPtr, void> ProviderFree;
    internal static delegate* unmanaged<IntPtr, byte*, NativeSession*, byte**, NativeStatus> ProviderStartSyncCycle;
    internal static delegate* unmanaged<IntPtr, NativeSession*, byte**, NativeStatus> ProviderGetSyncCycleState;
    internal static delegate* unmanaged<IntPtr, byte*, NativeSession*, byte**, NativeStatus> ProviderGetSyncCycleRuns;
    internal static delegate* unmanaged<byte*, IntPtr*, byte**, NativeStatus> WaitNew;
    internal static delegate* unmanaged<byte*, IntPtr*, NativeStatus> WaitNewStep;
    internal static delegate* unmanaged<IntPtr, ulong, byte*, byte**, NativeStatus> WaitHandle;
    internal static delegate* unmanaged<IntPtr, void> WaitFree;
    internal static delegate* unmanaged<IntPtr, byte*> WaitPolicyType;
    internal static delegate* unmanaged<byte**, NativeStatus> FailureClassesJson;
    internal static delegate* unmanaged<byte*, byte**, NativeStatus> ClassifyErrors;
    internal static delegate* unmanaged<byte*, byte**, NativeStatus> TextScrub;
    internal static delegate* unmanaged<byte*, byte*, byte**, NativeStatus> FailureDescribe;
    internal static delegate* unmanaged<byte*, byte**, NativeStatus> AuthSessionResolve;
    internal static delegate* unmanaged<byte*, byte**, NativeStatus> RemoteSessionOptionsCheck;

    /// <summary>Loads the library and checks its ABI version; idempotent and thread-safe.</summary>
    internal static void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            // A failed load is remembered: retrying in the same process cannot succeed and would
            // only repeat the cost.
            if (_loadFailure is not null)
            {
                throw new InvalidOperationException(_loadFailure.Message, _loadFailure);
            }
            try
            {
                IntPtr lib = NativeLibraryLocator.Load();
                AbiVersion = (delegate* unmanaged<uint>)Export(lib, "idle_ec_abi_version");
                uint abi = AbiVersion();
                if (abi != ExpectedAbiVersion)
                {
                    throw new InvalidOperationException(
                        $"The IdLE Entra Connect native library at '{NativeLibraryLocator.LibraryPath}' implements ABI version {abi}, " +
                        $"but this module needs version {ExpectedAbiVersion}. The module's files are mixed from different releases; reinstall the module.");
                }
                Version = (delegate* unmanaged<byte*>)Export(lib, "idle_ec_version");
                StringFree = (delegate* unmanaged<byte*, void>)Export(lib, "idle_ec_string_free");
                SinkWrite = (delegate* unmanaged<IntPtr, byte*, nuint, NativeStatus>)Export(lib, "idle_ec_sink_write");
                ProviderNew = (delegate* unmanaged<byte*, IntPtr*, byte**, NativeStatus>)Export(lib, "idle_ec_provider_new");
                ProviderFree = (delegate* unmanaged<IntPtr, void>)Export(lib, "idle_ec_provider_free");
                ProviderStartSyncCycle = (delegate* unmanaged<IntPtr, byte*, NativeSession*, byte**, NativeStatus>)Export(lib, "idle_ec_provider_start_sync_cycle");
                ProviderGetSyncCycleState = (delegate* unmanaged<IntPtr, NativeSession*, byte**, NativeStatus>)Export(lib, "idle_ec_provider_get_sync_cycle_state");
                ProviderGetSyncCycleRuns = (delegate* unmanaged<IntPtr, byte*, NativeSession*, byte**, NativeStatus>)Export(lib, "idle_ec_provider_get_sync_cycle_runs");
                WaitNew = (delegate* unmanaged<byte*, IntPtr*, byte**, NativeStatus>)Export(lib, "idle_ec_wait_new");
                WaitNewStep = (delegate* unmanaged<byte*, IntPtr*, NativeStatus>)Export(lib, "idle_ec_wait_new_step");
                WaitHandle = (delegate* unmanaged<IntPtr, ulong, byte*, byte**, NativeStatus>)Export(lib, "idle_ec_wait_handle");
                WaitFree = (delegate* unmanaged<IntPtr, void>)Export(lib, "idle_ec_wait_free");
                WaitPolicyType = (delegate* unmanaged<IntPtr, byte*>)Export(lib, "idle_ec_wait_policy_type");
                FailureClassesJson = (delegate* unmanaged<byte**, NativeStatus>)Export(lib, "idle_ec_failure_classes");
                ClassifyErrors = (delegate* unmanaged<byte*, byte**, NativeStatus>)Export(lib, "idle_ec_classify_errors");
                TextScrub = (delegate* unmanaged<byte*, byte**, NativeStatus>)Export(lib, "idle_ec_text_scrub");
                FailureDescribe = (delegate* unmanaged<byte*, byte*, byte**, NativeStatus>)Export(lib, "idle_ec_failure_describe");
                AuthSessionResolve = (delegate* unmanaged<byte*, byte**, NativeStatus>)Export(lib, "idle_ec_auth_session_resolve");
                RemoteSessionOptionsCheck = (delegate* unmanaged<byte*, byte**, NativeStatus>)Export(lib, "idle_ec_remote_session_options_check");
                _loaded = true;
            }
            catch (Exception e)
            {
                _loadFailure = e;
                throw;
            }
        }
    }

    private static IntPtr Export(IntPtr lib, string name)
    {
        if (NativeLibrary.TryGetExport(lib, name, out IntPtr address))
        {
            return address;
        }
        throw new EntryPointNotFoundException(
            $"The IdLE Entra Connect native library at '{NativeLibraryLocator.LibraryPath}' has no export '{name}'. Reinstall the module.");
    }

    /// <summary>The library's version string.</summary>
    internal static string LibraryVersion
    {
        get
        {
            EnsureLoaded();
            return Marshal.PtrToStringUTF8((IntPtr)Version()) ?? string.Empty;
        }
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text holds a NUL character: the core would read it
    /// cut short there. Callers refuse such input with a classified error first; this is the backstop.</exception>
    internal static byte[] Utf8Z(string text)
    {
        if (text.Contains('\0'))
        {
            throw new ArgumentException("A text passed to the native core contains a NUL character.", nameof(text));
        }
        int count = Encoding.UTF8.GetByteCount(text);
        byte[] buffer = new byte[count + 1];
        Encoding.UTF8.GetBytes(text, 0, text.Length, buffer, 0);
        return buffer;
    }

    /// <summary>
    /// Calls an export that takes one text and answers one (<c>idle_ec_*(input, &amp;out)</c>):
    /// the status and the answer, read and freed. Call <see cref="EnsureLoaded"/> before reading
    /// the export's field.
    /// </summary>
    internal static (NativeStatus Status, string? Answer) Ask(delegate* unmanaged<byte*, byte**, NativeStatus> export, string input)
    {
        byte[] request = Utf8Z(input);
        byte* output = null;
        NativeStatus status;
        fixed (byte* requestPtr = request)
        {
            status = export(requestPtr, &output);
        }
        return (status, TakeString(output));
    }

    /// <summary>Reads and frees a string the core returned through an out-parameter.</summary>
    internal static string? TakeString(byte* text)
    {
        if (text == null)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8((IntPtr)text);
        }
        finally
        {
            StringFree(text);
        }
    }
}
