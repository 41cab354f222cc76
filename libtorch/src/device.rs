//! Devices, layouts, memory formats and quantization schemes.
use libtorch_sys as sys;

/// Where a tensor's data lives (`torch.device`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    /// The CPU.
    Cpu,
    /// A CUDA GPU, by index.
    Cuda(usize),
    /// Apple's Metal Performance Shaders.
    Mps,
    /// Tensors with shapes but no data.
    Meta,
    /// Any other `c10::DeviceType` code with an index (-1 = current).
    Other(i16, i16),
}

impl Device {
    /// `Cuda(0)` when a CUDA device is usable, else `Cpu`.
    pub fn cuda_if_available() -> Device {
        if crate::cuda::is_available() {
            Device::Cuda(0)
        } else {
            Device::Cpu
        }
    }

    /// Whether this is a CUDA device.
    pub fn is_cuda(self) -> bool {
        matches!(self, Device::Cuda(_))
    }

    /// The ABI form. A device libtorch cannot have — a CUDA index past `i16::MAX`, a negative
    /// type code (the ABI's "no device") — becomes a code libtorch rejects with an error, never
    /// another device (index 65536 would otherwise wrap to 0, type -1 mean "no device").
    pub fn to_ffi(self) -> sys::ltrs_device {
        const INVALID_INDEX: i16 = -2; // "Device index must be -1 or non-negative"
        const INVALID_TYPE: i16 = i16::MAX; // "Unknown device"
        let (type_, index) = match self {
            Device::Cpu => (0, -1),
            Device::Cuda(i) => (1, i16::try_from(i).unwrap_or(INVALID_INDEX)),
            Device::Mps => (13, -1),
            Device::Meta => (14, -1),
            Device::Other(t, i) if t < 0 => (INVALID_TYPE, i),
            Device::Other(t, i) => (t, i),
        };
        sys::ltrs_device { type_, index }
    }

    /// From the ABI form.
    pub fn from_ffi(d: sys::ltrs_device) -> Device {
        match (d.type_, d.index) {
            (0, _) => Device::Cpu,
            (1, i) => Device::Cuda(i.max(0) as usize),
            (13, _) => Device::Mps,
            (14, _) => Device::Meta,
            (t, i) => Device::Other(t, i),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
            Device::Mps => write!(f, "mps"),
            Device::Meta => write!(f, "meta"),
            Device::Other(t, i) => write!(f, "device(type={t}, index={i})"),
        }
    }
}

/// Parses `torch.device` strings: `cpu`, `cuda` (= `cuda:0`), `cuda:N`, `mps`, `meta`.
///
/// ```
/// use libtorch::Device;
/// assert_eq!("cuda:1".parse::<Device>(), Ok(Device::Cuda(1)));
/// assert_eq!("cpu".parse::<Device>(), Ok(Device::Cpu));
/// assert!("gpu".parse::<Device>().is_err());
/// ```
impl std::str::FromStr for Device {
    type Err = String;

    fn from_str(s: &str) -> Result<Device, String> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            "mps" => Ok(Device::Mps),
            "meta" => Ok(Device::Meta),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse::<i16>().ok())
                .filter(|&n| n >= 0)
                .map(|n| Device::Cuda(n as usize))
                .ok_or_else(|| {
                    format!("unknown device {s:?}: expected cpu, cuda, cuda:N, mps or meta")
                }),
        }
    }
}

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant = $code),*
        }
        impl $name {
            /// The c10 enum code.
            pub fn to_ffi(self) -> i32 {
                self as i32
            }
            /// From the c10 enum code; panics on a code libtorch 2.11 does not have.
            #[track_caller]
            pub fn from_ffi(code: i32) -> $name {
                match code {
                    $($code => $name::$variant,)*
                    _ => panic!(concat!("unknown ", stringify!($name), " code {}"), code),
                }
            }
        }
    };
}

code_enum!(
    /// How a tensor's elements are stored (`torch.layout`).
    Layout {
        /// Dense, with strides (`torch.strided`).
        Strided = 0,
        /// COO sparse.
        Sparse = 1,
        /// CSR sparse.
        SparseCsr = 2,
        /// MKL-DNN.
        Mkldnn = 3,
        /// CSC sparse.
        SparseCsc = 4,
        /// BSR sparse.
        SparseBsr = 5,
        /// BSC sparse.
        SparseBsc = 6,
        /// Jagged (nested tensors).
        Jagged = 7,
    }
);

code_enum!(
    /// Dense memory order (`torch.memory_format`).
    MemoryFormat {
        /// Row-major (`torch.contiguous_format`).
        Contiguous = 0,
        /// Keep the input's format (`torch.preserve_format`).
        Preserve = 1,
        /// NHWC (`torch.channels_last`).
        ChannelsLast = 2,
        /// NDHWC (`torch.channels_last_3d`).
        ChannelsLast3d = 3,
    }
);

code_enum!(
    /// A quantized tensor's scheme (`torch.qscheme`).
    QScheme {
        /// `torch.per_tensor_affine`
        PerTensorAffine = 0,
        /// `torch.per_channel_affine`
        PerChannelAffine = 1,
        /// `torch.per_tensor_symmetric`
        PerTensorSymmetric = 2,
        /// `torch.per_channel_symmetric`
        PerChannelSymmetric = 3,
        /// `torch.per_channel_affine_float_qparams`
        PerChannelAffineFloatQParams = 4,
    }
);

/// A `c10::Stream` (a CUDA stream, or the CPU's single stream). CUDA streams come from
/// [`Stream::new`], [`cuda::current_stream`] and [`cuda::default_stream`]; their methods
/// (`synchronize`, `query`, `wait_stream`, ...) and [`cuda::stream`]'s scope guard are in
/// `cuda_ctl/stream.rs`.
///
/// Its fields are private: libtorch reads some CUDA stream ids as raw `cudaStream_t` pointers, so
/// a stream made up in safe code could send kernels to a dangling pointer. Safe code only gets
/// streams libtorch handed out; [`Stream::from_raw_parts`] is the `unsafe` way in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream {
    id: i64,
    device: Device,
}

impl Stream {
    /// The stream id (`torch.cuda.Stream.stream_id`): 0 is the device's default stream.
    pub fn id(self) -> i64 {
        self.id
    }

    /// The device it belongs to.
    pub fn device(self) -> Device {
        self.device
    }

    /// A stream from its id and device, as [`Stream::to_ffi`] gives them.
    ///
    /// # Safety
    /// `(id, device)` must be a stream libtorch handed out in this process (from
    /// [`Stream::id`]/[`Stream::device`] or [`Stream::to_ffi`] of a [`Stream`]): operators that
    /// take a stream (`Tensor::record_stream`) read other CUDA ids as raw stream pointers.
    pub unsafe fn from_raw_parts(id: i64, device: Device) -> Stream {
        Stream { id, device }
    }

    /// The ABI form.
    pub fn to_ffi(self) -> sys::ltrs_stream {
        let d = self.device.to_ffi();
        sys::ltrs_stream {
            id: self.id,
            device_index: d.index,
            device_type: d.type_,
        }
    }
}

/// `torch.cuda`: device queries, seeding, memory statistics, streams, events and device
/// properties (all but the queries below live in `cuda_ctl/`).
pub mod cuda {
    pub use super::Stream;
    pub use crate::cuda_ctl::*;
    use libtorch_sys as sys;

    /// Whether libtorch can use a CUDA device (false in a CPU-only build).
    #[track_caller]
    pub fn is_available() -> bool {
        let mut out = false;
        // SAFETY: `out` is a valid out-pointer; the shim catches every C++ exception.
        let r = unsafe {
            crate::error::check(sys::ltrs_cuda_is_available(&mut out), "cuda::is_available")
        };
        r.map(|_| out).unwrap_or(false)
    }

    /// The number of CUDA devices (0 in a CPU-only build).
    #[track_caller]
    pub fn device_count() -> usize {
        let mut out = 0i64;
        // SAFETY: `out` is a valid out-pointer; the shim catches every C++ exception.
        let r = unsafe {
            crate::error::check(sys::ltrs_cuda_device_count(&mut out), "cuda::device_count")
        };
        r.map(|_| out as usize).unwrap_or(0)
    }

    /// Waits until every kernel queued on CUDA device `device` has finished, like PyTorch's
    /// `torch.cuda.synchronize(device)`. CUDA ops return as soon as their kernels are queued,
    /// so a timing, or a check that a call has really completed, needs this first. An error
    /// where there is no such device (always in a CPU-only build), or where a queued kernel
    /// failed.
    ///
    /// ```
    /// use libtorch::cuda;
    /// if cuda::is_available() {
    ///     cuda::synchronize(0).unwrap();
    /// } else {
    ///     assert!(cuda::synchronize(0).is_err());
    /// }
    /// ```
    #[track_caller]
    pub fn synchronize(device: usize) -> crate::Result<()> {
        let device = i64::try_from(device).unwrap_or(i64::MAX);
        // SAFETY: plain value argument; the shim catches every C++ exception.
        unsafe { crate::error::check(sys::ltrs_cuda_synchronize(device), "cuda::synchronize") }
    }

    /// Whether this build linked libtorch's CUDA libraries (the `cuda` feature).
    pub fn built_with_cuda() -> bool {
        // SAFETY: no arguments, cannot fail.
        unsafe { sys::ltrs_built_with_cuda() }
    }
}
