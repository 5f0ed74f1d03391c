using System;
using System.Management.Automation;

namespace IdLE.EntraConnect.Interop;

/// <summary>Classifies an arbitrary error (e.g. from a provider written in PowerShell) with the core's rules.</summary>
public static unsafe class Classifier
{
    /// <summary>The failure (as a PSObject with class, errorId, category, transient, message) for <paramref name="caught"/>.</summary>
    public static PSObject Classify(ErrorRecord caught)
    {
        NativeApi.EnsureLoaded();
        RemoteErrorInfo info = RemoteErrorInfo.FromException(caught.Exception ?? new InvalidOperationException(caught.ToString()));
        byte[] json = NativeApi.Utf8Z(JsonBridge.WriteJson(w =>
        {
            w.WriteStartArray();
            info.Write(w);
            w.WriteEndArray();
        }));
        byte* output = null;
        NativeStatus status;
        fixed (byte* input = json)
        {
            status = NativeApi.ClassifyErrors(input, &output);
        }
        string? failure = NativeApi.TakeString(output);
        if (status != NativeStatus.Ok || failure is null)
        {
            throw DirectorySyncException.FromFailureJson(failure);
        }
        return (PSObject)JsonBridge.FromJson(failure)!;
    }
}
