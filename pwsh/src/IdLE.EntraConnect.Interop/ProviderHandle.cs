using System;
using System.Runtime.InteropServices;

namespace IdLE.EntraConnect.Interop;

/// <summary>Owns an <c>idle_ec_provider</c>. Releasing never calls into PowerShell, so it is safe from any thread.</summary>
internal sealed unsafe class ProviderHandle : SafeHandle
{
    internal ProviderHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Set(IntPtr value) => SetHandle(value);

    protected override bool ReleaseHandle()
    {
        NativeApi.ProviderFree(handle);
        return true;
    }
}

/// <summary>Owns an <c>idle_ec_wait</c>.</summary>
internal sealed unsafe class WaitMachineHandle : SafeHandle
{
    internal WaitMachineHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Set(IntPtr value) => SetHandle(value);

    protected override bool ReleaseHandle()
    {
        NativeApi.WaitFree(handle);
        return true;
    }
}
