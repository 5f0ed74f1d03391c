namespace IdLE.EntraConnect.Interop;

/// <summary>Status codes of the native core (<c>idle_ec_status</c>); values are ABI.</summary>
internal enum NativeStatus : uint
{
    Ok = 0,
    NullArgument = 1,
    InvalidUtf8 = 2,
    InvalidArgument = 3,
    OperationFailed = 4,
    CallbackFailed = 5,
    Panic = 6,
    OutputTooLarge = 7,
}
