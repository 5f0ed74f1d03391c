using System;
using System.Buffers;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace IdLE.EntraConnect.Interop;

/// <summary>
/// One provider call's view of the host's AuthSession. The core calls back into
/// <see cref="Invoke"/> synchronously on the calling thread; the call's state travels as a
/// GCHandle in the callback table's userdata, so nothing needs a delegate kept alive.
/// </summary>
internal sealed unsafe class SessionTrampoline
{
    private readonly SessionInvoker _invoker;

    /// <summary>An exception the trampoline could not turn into an answer (e.g. the pipeline was stopped).</summary>
    internal Exception? Failure { get; private set; }

    internal SessionTrampoline(SessionInvoker invoker) => _invoker = invoker;

    /// <summary>Runs <paramref name="body"/> with a callback table pointing at this trampoline.</summary>
    internal T WithTable<T>(Func<IntPtr, T> body)
    {
        GCHandle handle = GCHandle.Alloc(this);
        try
        {
            NativeSession table = new() { UserData = GCHandle.ToIntPtr(handle), Invoke = &Invoke };
            return body((IntPtr)(&table));
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static uint Invoke(IntPtr userData, byte* command, byte* parametersJson, IntPtr sink)
    {
        // No exception may cross into native frames: everything is caught, reported as a status,
        // and rethrown by the caller once the native call has returned.
        SessionTrampoline? self = null;
        try
        {
            self = (SessionTrampoline)GCHandle.FromIntPtr(userData).Target!;
            string name = Marshal.PtrToStringUTF8((IntPtr)command) ?? string.Empty;
            string json = Marshal.PtrToStringUTF8((IntPtr)parametersJson) ?? "{}";
            Hashtable parameters = JsonBridge.ReadHashtable(json);
            // An answer past the core's cap goes over as far as it was written: the core then
            // refuses it and reports an answer too large, the same as for any oversized answer.
            WriteSink(sink, self.Run(name, parameters).WrittenSpan);
            return 0;
        }
        catch (Exception e)
        {
            try
            {
                if (self is not null)
                {
                    self.Failure = e;
                }
                // The reason becomes a message: the session's own values are masked first.
                string reason = self is null ? e.Message : SafeText.Scrub(e.Message, 4000, self._invoker.SecretSource);
                WriteSink(sink, System.Text.Encoding.UTF8.GetBytes(reason));
            }
            catch (Exception)
            {
                // Nothing more can be said; the status carries the failure.
            }
            return 1;
        }
    }

    private static void WriteSink(IntPtr sink, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes)
        {
            // An over-long answer is refused by the core, which then reports it; nothing to do here.
            NativeApi.SinkWrite(sink, data, (nuint)bytes.Length);
        }
    }

    /// <summary>
    /// Runs the command through the session (its InvokeCommand, or the provider's
    /// InvokeRemoteCommand for a PSSession) so that errors the command only *writes* are
    /// captured (<see cref="SessionCapture"/>), and writes the answer for the core.
    /// </summary>
    private ArrayBufferWriter<byte> Run(string commandName, Hashtable parameters)
    {
        var output = new List<object?>();
        var errors = new List<RemoteErrorInfo>();
        try
        {
            Collection<PSObject>? results = _invoker.Run(commandName, parameters, errors);
            foreach (PSObject item in results ?? new Collection<PSObject>())
            {
                if (item is null)
                {
                    continue;
                }
                // Errors the command wrote, merged into the output (by the capture, or by a
                // host that merges streams or returns Invoke-Command's errors), are errors.
                if (RemoteErrorInfo.IsErrorRecord(item))
                {
                    errors.Add(RemoteErrorInfo.FromOutputItem(item, terminating: false));
                }
                else
                {
                    output.Add(item);
                }
            }
        }
        catch (Exception e) when (ErrorRecords.FindStop(e) is { } stopped)
        {
            throw stopped;
        }
        catch (Exception e) when (SessionCapture.FindClassified(e) is { } nested)
        {
            // The session called one of our providers, which refused (e.g. as re-entrant):
            // that classified failure is the answer, not an error of the server.
            throw nested;
        }
        catch (Exception e)
        {
            errors.Add(RemoteErrorInfo.FromException(e));
        }
        return AnswerJson(output, errors, errors.Count > 0 ? SafeText.SecretsOf(_invoker.SecretSource) : null);
    }

    /// <summary>
    /// The answer for the core. <paramref name="secrets"/> (the session's string values) go along
    /// when there are errors, so the core masks them in the errors' text before anything is cut.
    /// </summary>
    private static ArrayBufferWriter<byte> AnswerJson(List<object?> output, List<RemoteErrorInfo> errors, List<string>? secrets) =>
        JsonBridge.Render(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("output");
            w.WriteStartArray();
            foreach (object? item in output)
            {
                JsonBridge.Write(w, item, 0);
            }
            w.WriteEndArray();
            w.WritePropertyName("errors");
            w.WriteStartArray();
            foreach (RemoteErrorInfo error in errors)
            {
                error.Write(w);
            }
            w.WriteEndArray();
            if (secrets is { Count: > 0 })
            {
                w.WritePropertyName("redact");
                w.WriteStartArray();
                foreach (string secret in secrets)
                {
                    w.WriteStringValue(secret);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }, out _);
}
