// CUDA controls (torch.cuda, torch.backends.cudnn, torch.backends.cuda.matmul): seeding every
// device's generator, ATen's global backend flags, the caching allocator's statistics, streams,
// events and device properties.
//
// Everything goes through device-generic c10/ATen interfaces (at::globalContext(),
// c10::DeviceAllocator, c10::Event, c10::StreamGuard, c10::impl::VirtualGuardImpl), which
// libtorch_cuda implements for DeviceType::CUDA when it is linked; no CUDA header is included,
// so this file compiles the same way with and without the `cuda` feature. In a CPU-only build
// those interfaces are not registered for CUDA, and every call here returns an error instead.
#include "support.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/Event.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <cstring>
#include <mutex>
#include <string>

#ifdef LTRS_CUDA
#include <dlfcn.h>
#endif

namespace {

constexpr c10::DeviceType kCuda = c10::DeviceType::CUDA;

int64_t cuda_device_count() {
  return at::hasCUDA() ? static_cast<int64_t>(at::getNumGPUs()) : 0;
}

// The CUDA device `device`, after checking that it exists. The messages leave out the call's
// name: the Rust error adds it.
c10::DeviceIndex cuda_device(int64_t device) {
  const int64_t n = cuda_device_count();
  TORCH_CHECK(n > 0, "no CUDA device (",
#ifdef LTRS_CUDA
              "none is visible to this process",
#else
              "this program was built without the `cuda` feature",
#endif
              ")");
  TORCH_CHECK(device >= 0 && device < n, "no CUDA device ", device,
              " (this machine has ", n, ")");
  // Creates the CUDA context, the allocator and the stream pools where nothing has yet.
  at::globalContext().lazyInitDevice(kCuda);
  return static_cast<c10::DeviceIndex>(device);
}

// A stream handed in from Rust, checked before libtorch sees it. `Stream`'s fields are public,
// so its id may be made up; libtorch_cuda reads an even, non-zero CUDA stream id as the address
// of a `cudaStream_t` made outside PyTorch ("external stream") and passes it to the driver. Such
// an id is only accepted where it is the device's current stream (a stream some other code made
// current); every id of a stream libtorch created is odd (or 0, the default stream), and other
// malformed ids are rejected by libtorch's own checks.
c10::Stream cuda_stream(const ltrs_stream& s) {
  TORCH_CHECK(s.device_type == static_cast<int16_t>(kCuda), "not a CUDA stream (device type ",
              s.device_type, ")");
  const c10::DeviceIndex index = cuda_device(s.device_index);
  const c10::Device device(kCuda, index);
  if (s.id != 0 && (s.id & 1) == 0) {
    const c10::impl::VirtualGuardImpl impl(kCuda);
    TORCH_CHECK(impl.getStream(device).id() == s.id, "stream id ", s.id,
                " is not a stream of libtorch's on cuda:", index);
  }
  return c10::Stream(c10::Stream::UNSAFE, device, s.id);
}

ltrs_stream to_ffi(const c10::Stream& s) {
  return ltrs_stream{s.id(), static_cast<int16_t>(s.device_index()),
                     static_cast<int16_t>(s.device_type())};
}

}  // namespace

// The handle of a torch.cuda.Event.
struct ltrs_event_s {
  c10::Event event;
};
typedef ltrs_event_s* ltrs_event;

extern "C" {

// ---- seeding ----

ltrs_error* ltrs_cuda_manual_seed(uint64_t seed, bool all) {
  LTRS_TRY {
    // Like torch.cuda.manual_seed(_all): silently nothing where there is no CUDA device.
    const int64_t n = cuda_device_count();
    if (n == 0) return nullptr;
    at::globalContext().lazyInitDevice(kCuda);
    int64_t first = 0;
    int64_t last = n;
    if (!all) {
      first = c10::impl::VirtualGuardImpl(kCuda).getDevice().index();
      last = first + 1;
    }
    for (int64_t i = first; i < last; ++i) {
      auto gen = at::globalContext().defaultGenerator(
          c10::Device(kCuda, static_cast<c10::DeviceIndex>(i)));
      // See ATen's Note [Acquire lock when using random generators].
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_initial_seed(int64_t device, uint64_t* out) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    auto gen = at::globalContext().defaultGenerator(c10::Device(kCuda, index));
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = gen.current_seed();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_current_device(int64_t* out) {
  LTRS_TRY {
    cuda_device(0);
    *out = c10::impl::VirtualGuardImpl(kCuda).getDevice().index();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_set_device(int64_t device) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    c10::impl::VirtualGuardImpl(kCuda).setDevice(c10::Device(kCuda, index));
  }
  LTRS_CATCH
}

// ---- ATen's global flags ----

// Codes of the boolean flags (libtorch/src/backends/flags.rs mirrors them).
enum Flag : int32_t {
  CUDNN_ENABLED = 0,
  CUDNN_BENCHMARK = 1,
  CUDNN_DETERMINISTIC = 2,
  CUDNN_ALLOW_TF32 = 3,
  MATMUL_ALLOW_TF32 = 4,
  MATMUL_ALLOW_FP16_REDUCED = 5,
  MATMUL_ALLOW_BF16_REDUCED = 6,
  DETERMINISTIC_ALGORITHMS = 7,
  DETERMINISTIC_WARN_ONLY = 8,
  DETERMINISTIC_FILL_UNINITIALIZED = 9,
};

ltrs_error* ltrs_flag_get(int32_t flag, bool* out) {
  LTRS_TRY {
    auto& ctx = at::globalContext();
    switch (flag) {
      case CUDNN_ENABLED: *out = ctx.userEnabledCuDNN(); break;
      case CUDNN_BENCHMARK: *out = ctx.benchmarkCuDNN(); break;
      case CUDNN_DETERMINISTIC: *out = ctx.deterministicCuDNN(); break;
      case CUDNN_ALLOW_TF32: *out = ctx.allowTF32CuDNN(); break;
      case MATMUL_ALLOW_TF32: *out = ctx.allowTF32CuBLAS(); break;
      case MATMUL_ALLOW_FP16_REDUCED:
        *out = ctx.allowFP16ReductionCuBLAS() == at::CuBLASReductionOption::AllowReducedPrecisionWithSplitK;
        break;
      case MATMUL_ALLOW_BF16_REDUCED:
        *out = ctx.allowBF16ReductionCuBLAS() == at::CuBLASReductionOption::AllowReducedPrecisionWithSplitK;
        break;
      case DETERMINISTIC_ALGORITHMS: *out = ctx.deterministicAlgorithms(); break;
      case DETERMINISTIC_WARN_ONLY: *out = ctx.deterministicAlgorithmsWarnOnly(); break;
      case DETERMINISTIC_FILL_UNINITIALIZED: *out = ctx.deterministicFillUninitializedMemory(); break;
      default: TORCH_CHECK(false, "ltrs_flag_get: unknown flag ", flag);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_flag_set(int32_t flag, bool value) {
  LTRS_TRY {
    auto& ctx = at::globalContext();
    switch (flag) {
      case CUDNN_ENABLED: ctx.setUserEnabledCuDNN(value); break;
      case CUDNN_BENCHMARK: ctx.setBenchmarkCuDNN(value); break;
      case CUDNN_DETERMINISTIC: ctx.setDeterministicCuDNN(value); break;
      case CUDNN_ALLOW_TF32: ctx.setAllowTF32CuDNN(value); break;
      case MATMUL_ALLOW_TF32: ctx.setAllowTF32CuBLAS(value); break;
      case MATMUL_ALLOW_FP16_REDUCED: ctx.setAllowFP16ReductionCuBLAS(value); break;
      case MATMUL_ALLOW_BF16_REDUCED: ctx.setAllowBF16ReductionCuBLAS(value); break;
      case DETERMINISTIC_FILL_UNINITIALIZED: ctx.setDeterministicFillUninitializedMemory(value); break;
      default: TORCH_CHECK(false, "ltrs_flag_set: unknown flag ", flag);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_set_deterministic_algorithms(bool mode, bool warn_only) {
  LTRS_TRY { at::globalContext().setDeterministicAlgorithms(mode, warn_only); }
  LTRS_CATCH
}

// 0 = "highest", 1 = "high", 2 = "medium" (at::Float32MatmulPrecision's order).
ltrs_error* ltrs_get_float32_matmul_precision(int32_t* out) {
  LTRS_TRY { *out = static_cast<int32_t>(at::globalContext().float32MatmulPrecision()); }
  LTRS_CATCH
}

ltrs_error* ltrs_set_float32_matmul_precision(int32_t precision) {
  LTRS_TRY {
    static const char* const names[] = {"highest", "high", "medium"};
    TORCH_CHECK(precision >= 0 && precision < 3, "unknown precision code ",
                precision);
    at::globalContext().setFloat32MatmulPrecision(names[precision]);
  }
  LTRS_CATCH
}

// Like torch.backends.cudnn.is_available(): whether libtorch was built with cuDNN (true in a
// CUDA build even on a machine without a GPU).
ltrs_error* ltrs_cudnn_is_available(bool* out) {
  LTRS_TRY { *out = at::detail::getCUDAHooks().compiledWithCuDNN(); }
  LTRS_CATCH
}

// The cuDNN library's version (e.g. 91900 for 9.19.0), or -1 where cuDNN cannot be used.
ltrs_error* ltrs_cudnn_version(int64_t* out) {
  LTRS_TRY {
    const auto& hooks = at::detail::getCUDAHooks();
    *out = hooks.compiledWithCuDNN() ? static_cast<int64_t>(hooks.versionRuntimeCuDNN()) : -1;
  }
  LTRS_CATCH
}

// ---- the caching allocator ----

// out: allocated current, allocated peak, reserved current, reserved peak (bytes, all pools).
ltrs_error* ltrs_cuda_memory_stats(int64_t device, int64_t* out) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    const auto stats = c10::getDeviceAllocator(kCuda)->getDeviceStats(index);
    constexpr auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    out[0] = stats.allocated_bytes[all].current;
    out[1] = stats.allocated_bytes[all].peak;
    out[2] = stats.reserved_bytes[all].current;
    out[3] = stats.reserved_bytes[all].peak;
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_reset_peak_memory_stats(int64_t device) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    c10::getDeviceAllocator(kCuda)->resetPeakStats(index);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_empty_cache(void) {
  LTRS_TRY {
    cuda_device(0);
    c10::getDeviceAllocator(kCuda)->emptyCache();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_mem_get_info(int64_t device, int64_t* free, int64_t* total) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    const auto info = c10::getDeviceAllocator(kCuda)->getMemoryInfo(index);
    *free = static_cast<int64_t>(info.first);
    *total = static_cast<int64_t>(info.second);
  }
  LTRS_CATCH
}

// ---- streams ----

ltrs_error* ltrs_cuda_stream_new(int64_t device, int32_t priority, ltrs_stream* out) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    *out = to_ffi(c10::impl::VirtualGuardImpl(kCuda).getNewStream(c10::Device(kCuda, index),
                                                                  priority));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_stream_current(int64_t device, ltrs_stream* out) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    *out = to_ffi(c10::impl::VirtualGuardImpl(kCuda).getStream(c10::Device(kCuda, index)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_stream_default(int64_t device, ltrs_stream* out) {
  LTRS_TRY {
    const auto index = cuda_device(device);
    *out = to_ffi(
        c10::impl::VirtualGuardImpl(kCuda).getDefaultStream(c10::Device(kCuda, index)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_stream_set_current(ltrs_stream stream) {
  LTRS_TRY {
    const auto s = cuda_stream(stream);
    c10::impl::VirtualGuardImpl(kCuda).exchangeStream(s);
  }
  LTRS_CATCH
}

// A c10::StreamGuard: makes `stream` current (and its device the current device) on this thread
// until ltrs_cuda_stream_guard_free restores both.
ltrs_error* ltrs_cuda_stream_guard_new(ltrs_stream stream, void** out) {
  LTRS_TRY {
    const auto s = cuda_stream(stream);
    *out = new c10::StreamGuard(s);
  }
  LTRS_CATCH
}

void ltrs_cuda_stream_guard_free(void* guard) { delete static_cast<c10::StreamGuard*>(guard); }

ltrs_error* ltrs_cuda_stream_synchronize(ltrs_stream stream) {
  LTRS_TRY { cuda_stream(stream).synchronize(); }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_stream_query(ltrs_stream stream, bool* out) {
  LTRS_TRY { *out = cuda_stream(stream).query(); }
  LTRS_CATCH
}

// torch.cuda.Stream.wait_stream: `stream` waits for the work queued on `other` so far.
ltrs_error* ltrs_cuda_stream_wait_stream(ltrs_stream stream, ltrs_stream other) {
  LTRS_TRY {
    const auto s = cuda_stream(stream);
    const auto o = cuda_stream(other);
    c10::Event e(kCuda);
    e.record(o);
    e.block(s);
  }
  LTRS_CATCH
}

// ---- events ----

ltrs_error* ltrs_cuda_event_new(bool enable_timing, ltrs_event* out) {
  LTRS_TRY {
    cuda_device(0);
    // PYTORCH_DEFAULT creates the CUDA event with cudaEventDisableTiming; BACKEND_DEFAULT with
    // timing (c10/cuda/impl/CUDAGuardImpl.h), as torch.cuda.Event(enable_timing=...) does.
    *out = new ltrs_event_s{c10::Event(
        kCuda, enable_timing ? c10::EventFlag::BACKEND_DEFAULT : c10::EventFlag::PYTORCH_DEFAULT)};
  }
  LTRS_CATCH
}

void ltrs_cuda_event_free(ltrs_event e) { delete e; }

ltrs_error* ltrs_cuda_event_record(ltrs_event e, ltrs_stream stream) {
  LTRS_TRY { e->event.record(cuda_stream(stream)); }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_event_wait(ltrs_event e, ltrs_stream stream) {
  LTRS_TRY { e->event.block(cuda_stream(stream)); }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_event_query(ltrs_event e, bool* out) {
  LTRS_TRY { *out = e->event.query(); }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_event_synchronize(ltrs_event e) {
  LTRS_TRY { e->event.synchronize(); }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_event_elapsed_time(ltrs_event start, ltrs_event end, double* out) {
  LTRS_TRY {
    TORCH_CHECK(start->event.was_marked_for_recording() && end->event.was_marked_for_recording(),
                "both events must be recorded first");
    *out = start->event.elapsedTime(end->event);
  }
  LTRS_CATCH
}

// ---- device properties ----

// name: a buffer of `name_len` bytes for the NUL-terminated name.
ltrs_error* ltrs_cuda_device_properties(int64_t device, char* name, int32_t name_len,
                                        int32_t* major, int32_t* minor, int64_t* total_memory,
                                        int32_t* multi_processor_count) {
  LTRS_TRY {
    const auto index = cuda_device(device);
#ifdef LTRS_CUDA
    // The CUDA driver API (cuda.h), declared here by hand so that no CUDA header is needed,
    // and resolved at run time from the driver libtorch_cuda has already loaded. The ABI is
    // sound because each declaration is the documented, versioned C signature of cuda.h
    // (CUDA 13.0, unchanged since CUDA 4): CUresult and CUdevice_attribute are C enums, which
    // the platform ABI passes as `int`; CUdevice is `typedef int`; cuDeviceTotalMem is the
    // `_v2` symbol taking `size_t*` (cuda.h maps the name to it). The attribute numbers are
    // cuda.h's CU_DEVICE_ATTRIBUTE_* values, fixed by the driver's ABI.
    using CUresult = int;
    using CUdevice = int;
    using InitFn = CUresult (*)(unsigned int);
    using DeviceGetFn = CUresult (*)(CUdevice*, int);
    using GetNameFn = CUresult (*)(char*, int, CUdevice);
    using TotalMemFn = CUresult (*)(size_t*, CUdevice);
    using GetAttributeFn = CUresult (*)(int*, int, CUdevice);
    constexpr int kMultiProcessorCount = 16;  // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
    constexpr int kCapabilityMajor = 75;      // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    constexpr int kCapabilityMinor = 76;      // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
    // Loaded once, never closed (the driver stays loaded for the process anyway).
    static void* const driver = [] {
      void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
      return h != nullptr ? h : dlopen("libcuda.so.1", RTLD_NOW);
    }();
    TORCH_CHECK(driver != nullptr, "cannot load the CUDA driver, libcuda.so.1");
    auto sym = [](const char* fn) {
      void* p = dlsym(driver, fn);
      TORCH_CHECK(p != nullptr, "libcuda.so.1 has no ", fn);
      return p;
    };
    auto check = [](CUresult r, const char* fn) {
      TORCH_CHECK(r == 0, fn, " failed with CUresult ", r);
    };
    check(reinterpret_cast<InitFn>(sym("cuInit"))(0), "cuInit");
    CUdevice dev = 0;
    check(reinterpret_cast<DeviceGetFn>(sym("cuDeviceGet"))(&dev, index), "cuDeviceGet");
    check(reinterpret_cast<GetNameFn>(sym("cuDeviceGetName"))(name, name_len, dev),
          "cuDeviceGetName");
    size_t bytes = 0;
    check(reinterpret_cast<TotalMemFn>(sym("cuDeviceTotalMem_v2"))(&bytes, dev),
          "cuDeviceTotalMem_v2");
    *total_memory = static_cast<int64_t>(bytes);
    auto attribute = reinterpret_cast<GetAttributeFn>(sym("cuDeviceGetAttribute"));
    check(attribute(major, kCapabilityMajor, dev), "cuDeviceGetAttribute");
    check(attribute(minor, kCapabilityMinor, dev), "cuDeviceGetAttribute");
    check(attribute(multi_processor_count, kMultiProcessorCount, dev), "cuDeviceGetAttribute");
#else
    // Unreachable: cuda_device() fails first in a CPU-only build.
    (void)index, (void)name, (void)name_len, (void)major, (void)minor, (void)total_memory,
        (void)multi_processor_count;
    TORCH_CHECK(false, "built without the `cuda` feature");
#endif
  }
  LTRS_CATCH
}

}  // extern "C"
