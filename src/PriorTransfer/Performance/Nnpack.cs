using System.Runtime.InteropServices;

namespace PriorTransfer.Performance;

/// <summary>
/// libtorch's NNPACK convolution backend. On CPUs NNPACK does not support (this machine's AMD EPYC among them) libtorch
/// 2.10 retries its initialisation whenever a convolution qualifies for it and logs "Could not initialize NNPACK!
/// Reason: Unsupported hardware." each time: measured here, 16,200 lines per single-threaded segmentation run. oneDNN
/// serves those convolutions either way, so the CLI switches NNPACK off, as <c>torch.backends.nnpack.set_flags(False)</c>
/// does in Python. TorchSharp has no binding for it, so this calls <c>at::globalContext().setUserEnabledNNPACK(false)</c>
/// through its exported symbols (Itanium C++ ABI: the member function takes the context as its first argument).
/// </summary>
public static class Nnpack
{
    private const string LibTorchCpu = "libtorch_cpu";

    /// <summary>Turns NNPACK off for this process; false (and nothing changed) where the symbols are not found.</summary>
    public static bool Disable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;
        try
        {
            _ = TorchSharp.torch.get_num_threads();   // loads libtorch (TorchSharp's native loader) before the lookups
            SetUserEnabledNnpack(GlobalContext(), false);
            return !UserEnabledNnpack(GlobalContext());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport(LibTorchCpu, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport(LibTorchCpu, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(LibTorchCpu, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);
}
