// The handwritten foundation shim: handle lifetimes, errors, and library-wide facts
// (version, threads, CUDA, seeding). The generated shims hold the operators.
#include "support.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GeneratorImpl.h>
#include <c10/core/StorageImpl.h>
#include <c10/util/Lazy.h>
#include <c10/util/Logging.h>
#include <torch/headeronly/version.h>

#include <dlfcn.h>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#ifdef LTRS_CUDA
// Declared here rather than through the CUDA headers, which would need the CUDA toolkit's
// include dir. Both are exported by the libraries named below.
namespace c10::cuda {
c10::DeviceIndex device_count() noexcept;  // libc10_cuda.so
}
namespace at::cuda {
int warp_size();  // libtorch_cuda.so
}
// The linker keeps a shared library in the final binary only if a symbol of it is referenced
// (`--as-needed`), and lld (Rust's default linker) counts only references from sections that
// survive `--gc-sections`. So these references are read by the start-up code below, which the
// linker always keeps: libtorch_cuda.so and libc10_cuda.so stay, and their static initialisers
// register the CUDA kernels. (An array that is merely `used` was garbage-collected: the
// binaries of session 3 had no DT_NEEDED entry for either library.)
extern "C" void* const ltrs_cuda_link_anchor[] = {
    reinterpret_cast<void*>(&c10::cuda::device_count),
    reinterpret_cast<void*>(&at::cuda::warp_size),
};
#endif

namespace {
ltrs_error oom_error{"out of memory while reporting a libtorch error",
                     "out of memory while reporting a libtorch error"};
}

ltrs_error* ltrs::out_of_memory_error() noexcept { return &oom_error; }

namespace {
// Every TORCH_CHECK failure asks c10's stack-trace fetcher for a backtrace, and what() symbolizes
// it: together over half the time of a failing call (perf, fuzz run of session 2). Most callers
// only want the message, so the default fetcher is replaced by one that captures nothing.
void install_backtraces(bool on) {
  if (on) {
    c10::SetStackTraceFetcher(
        std::function<c10::Backtrace()>([] { return c10::get_lazy_backtrace(/*frames_to_skip=*/1); }));
  } else {
    // An empty backtrace, not a null one: c10 wraps what the fetcher returns and reads it
    // unconditionally when the message is formatted. One shared value, so no allocation.
    static const c10::Backtrace empty =
        std::make_shared<c10::PrecomputedLazyValue<std::string>>(std::string());
    c10::SetStackTraceFetcher(std::function<c10::Backtrace()>([] { return empty; }));
  }
}
bool env_wants_backtraces() {
  const char* v = std::getenv("LTRS_CPP_BACKTRACE");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}
void keep_cuda_linked() {
#ifdef LTRS_CUDA
  // A volatile read cannot be optimized away, so this code refers to the anchor.
  (void)*static_cast<void* const volatile*>(&ltrs_cuda_link_anchor[0]);
#endif
}
// Runs when the program starts: this object is always linked (it holds ltrs_tensor_free), and
// start-up code is a root of the linker's garbage collection.
[[maybe_unused]] const bool started =
    (keep_cuda_linked(), install_backtraces(env_wants_backtraces()), true);
}  // namespace

extern "C" {

const char* ltrs_error_message(const ltrs_error* e) { return e->message.c_str(); }
const char* ltrs_error_full_message(const ltrs_error* e) { return e->full_message.c_str(); }
void ltrs_error_free(ltrs_error* e) {
  if (e != &oom_error) delete e;
}
void ltrs_set_cpp_backtraces(bool on) { install_backtraces(on); }

void ltrs_tensor_free(ltrs_tensor t) {
  if (t == nullptr) return;
  // Reclaiming the owned reference and letting it go drops the count by one.
  (void)c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::reclaim(
      reinterpret_cast<at::TensorImpl*>(t));
}

ltrs_tensor ltrs_tensor_retain(ltrs_tensor t) { return ltrs::give(ltrs::retain(t)); }

void ltrs_tensor_vec_free(ltrs_tensor_vec v) { std::free(v.data); }

void ltrs_generator_free(ltrs_generator g) {
  if (g == nullptr) return;
  (void)c10::intrusive_ptr<c10::GeneratorImpl>::reclaim(reinterpret_cast<c10::GeneratorImpl*>(g));
}

void ltrs_storage_free(ltrs_storage s) {
  if (s == nullptr) return;
  (void)c10::intrusive_ptr<c10::StorageImpl>::reclaim(reinterpret_cast<c10::StorageImpl*>(s));
}

const char* ltrs_version(void) { return TORCH_VERSION; }

ltrs_error* ltrs_get_num_threads(int64_t* out) {
  LTRS_TRY { *out = at::get_num_threads(); }
  LTRS_CATCH
}

ltrs_error* ltrs_set_num_threads(int64_t n) {
  LTRS_TRY {
    TORCH_CHECK(n > 0, "set_num_threads: the number of threads must be positive, got ", n);
    at::set_num_threads(static_cast<int>(n));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_set_num_threads_this_thread(int64_t n) {
  LTRS_TRY {
    TORCH_CHECK(n > 0, "set_num_threads_this_thread: the number of threads must be positive, got ",
                n);
    // at::get_num_threads is omp_get_max_threads(), whose value OpenMP keeps per thread, after
    // libtorch's once-per-thread lazy init (which would overwrite an earlier setting, so run it
    // first). omp_set_num_threads comes from the libgomp libtorch_cpu loaded; looking it up at
    // run time keeps our link line free of libgomp's versioned file name.
    (void)at::get_num_threads();
    using set_fn = void (*)(int);
    static const auto omp_set = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    TORCH_CHECK(omp_set != nullptr,
                "set_num_threads_this_thread: this libtorch does not use OpenMP, so its intra-op "
                "thread count is process-wide (use set_num_threads)");
    omp_set(static_cast<int>(n));
    TORCH_CHECK(at::get_num_threads() == n, "set_num_threads_this_thread: asked for ", n,
                " threads, libtorch reports ", at::get_num_threads());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_get_num_interop_threads(int64_t* out) {
  LTRS_TRY { *out = at::get_num_interop_threads(); }
  LTRS_CATCH
}

ltrs_error* ltrs_set_num_interop_threads(int64_t n) {
  LTRS_TRY {
    TORCH_CHECK(n > 0, "set_num_interop_threads: the number of threads must be positive, got ", n);
    at::set_num_interop_threads(static_cast<int>(n));
  }
  LTRS_CATCH
}

bool ltrs_built_with_cuda(void) {
#ifdef LTRS_CUDA
  return true;
#else
  return false;
#endif
}

ltrs_error* ltrs_cuda_is_available(bool* out) {
  LTRS_TRY { *out = at::hasCUDA() && at::getNumGPUs() > 0; }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_device_count(int64_t* out) {
  LTRS_TRY { *out = at::hasCUDA() ? static_cast<int64_t>(at::getNumGPUs()) : 0; }
  LTRS_CATCH
}

ltrs_error* ltrs_cuda_synchronize(int64_t device) {
  LTRS_TRY {
    TORCH_CHECK(device >= 0 && device < static_cast<int64_t>(at::getNumGPUs()),
                "cuda::synchronize: no CUDA device ", device, " (this machine has ",
                at::getNumGPUs(), ")");
    at::detail::getCUDAHooks().deviceSynchronize(static_cast<c10::DeviceIndex>(device));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_manual_seed(uint64_t seed) {
  LTRS_TRY { at::manual_seed(seed); }
  LTRS_CATCH
}

ltrs_error* ltrs_generator_new_cpu(ltrs_generator* out, uint64_t seed) {
  LTRS_TRY {
    at::Generator g = at::detail::createCPUGenerator(seed);
    *out = reinterpret_cast<ltrs_generator>(g.unsafeReleaseGeneratorImpl());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_generator_set_seed(ltrs_generator g, uint64_t seed) {
  LTRS_TRY {
    auto* impl = reinterpret_cast<c10::GeneratorImpl*>(g);
    std::lock_guard<std::mutex> lock(impl->mutex_);
    impl->set_current_seed(seed);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_generator_seed(ltrs_generator g, uint64_t* out) {
  LTRS_TRY { *out = reinterpret_cast<c10::GeneratorImpl*>(g)->current_seed(); }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_storage(ltrs_tensor t, ltrs_storage* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "storage: the tensor is undefined");
    c10::Storage s = b.get().storage();
    *out = reinterpret_cast<ltrs_storage>(s.unsafeReleaseStorageImpl());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_storage_nbytes(ltrs_storage s, int64_t* out) {
  LTRS_TRY { *out = static_cast<int64_t>(reinterpret_cast<c10::StorageImpl*>(s)->nbytes()); }
  LTRS_CATCH
}

ltrs_error* ltrs_test_throw(const char* message) {
  LTRS_TRY { TORCH_CHECK(false, "ltrs_test_throw: ", message); }
  LTRS_CATCH
}

}  // extern "C"
