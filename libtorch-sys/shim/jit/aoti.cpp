// AOTInductor packages (.pt2): torch::inductor::AOTIModelPackageLoader, which extracts the
// package and dlopens its compiled model.
#include "values.h"

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/csrc/inductor/aoti_torch/c/shim.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <string>

struct ltrs_aoti_package {
  std::unique_ptr<torch::inductor::AOTIModelPackageLoader> loader;
};

namespace {

constexpr const char* kCheckInputs = "AOTI_RUNTIME_CHECK_INPUTS";

// The code AOTInductor generates checks every input's dtype, sizes, strides and device only
// when AOTI_RUNTIME_CHECK_INPUTS is set (each model reads it with getenv on its first run);
// without the checks, a tensor of another shape is read and written out of bounds. Setting the
// variable at load time would race other threads' getenv (setenv is not thread-safe), so it is
// set here, by a static initializer, before main and while the process has one thread (in
// every program that links the safe crate's AOTInductor module, used or not: the variable only
// matters to AOTInductor models, and child processes inherit it).
struct EnableInputChecks {
  EnableInputChecks() noexcept { (void)setenv(kCheckInputs, "1", /*overwrite=*/1); }
};
const EnableInputChecks enable_input_checks;

// A model library reports why a run failed (a wrong input's dtype, size, stride) only on
// std::cerr, and returns a bare error code, which the loader turns into "run_func_(...) API call
// failed". To give that reason back as the error, std::cerr writes through this buffer: it
// forwards everything to the original one, except on a thread that is inside ltrs_aoti_run,
// where it keeps the text for the error instead. Installed before main (below), while the
// process has one thread, as replacing a stream's buffer races with writers.
class ModelMessages final : public std::streambuf {
 public:
  explicit ModelMessages(std::streambuf* target) : target_(target) {}

  // Where this thread's model messages go (NULL: to the original stream).
  static std::string*& capture() {
    thread_local std::string* current = nullptr;
    return current;
  }

 protected:
  int_type overflow(int_type c) override {
    if (std::string* out = capture()) {
      if (!traits_type::eq_int_type(c, traits_type::eof())) out->push_back(traits_type::to_char_type(c));
      return traits_type::not_eof(c);
    }
    return target_->sputc(traits_type::to_char_type(c));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (std::string* out = capture()) {
      out->append(s, static_cast<size_t>(n));
      return n;
    }
    return target_->sputn(s, n);
  }
  int sync() override { return capture() != nullptr ? 0 : target_->pubsync(); }

 private:
  std::streambuf* target_;  // std::cerr's own buffer, which is thread-safe (synced with stdio)
};

// Captures this thread's model messages for the lifetime of the scope.
class CaptureModelMessages {
 public:
  explicit CaptureModelMessages(std::string* out) : previous_(ModelMessages::capture()) {
    ModelMessages::capture() = out;
  }
  ~CaptureModelMessages() { ModelMessages::capture() = previous_; }
  CaptureModelMessages(const CaptureModelMessages&) = delete;
  CaptureModelMessages& operator=(const CaptureModelMessages&) = delete;

 private:
  std::string* previous_;
};

struct InstallModelMessages {
  InstallModelMessages() noexcept {
    static std::ios_base::Init init;  // std::cerr exists before this initializer runs
    // Never destroyed: static destructors that run after ours may still write to std::cerr.
    auto* buffer = new (std::nothrow) ModelMessages(std::cerr.rdbuf());
    if (buffer != nullptr) std::cerr.rdbuf(buffer);
  }
};
const InstallModelMessages install_model_messages;

// The model's own message, without the "Error: " prefix its runtime writes, or "".
std::string model_message(const std::string& captured) {
  std::string m = captured;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  const std::string prefix = "Error: ";
  if (m.rfind(prefix, 0) == 0) m.erase(0, prefix.size());
  return m;
}

bool input_checks_on() {
  const char* v = std::getenv(kCheckInputs);
  return v != nullptr && v[0] != '\0' && v[0] != '0';
}

// A package's model library lists libtorch.so as needed (Inductor links it with -ltorch).
// libtorch.so itself only pulls in libtorch_cpu and, in CUDA builds of libtorch, libtorch_cuda
// with the NVIDIA libraries, which a CPU build of ours does not have. So, once, load a stub whose
// soname is libtorch.so (built by libtorch-sys/build.rs; the model needs no symbol of its own),
// or else the real one beside libtorch_cpu: either satisfies the model's dependency.
void provide_libtorch(const char* stub) {
  static std::once_flag once;
  std::call_once(once, [stub] {
    if (stub != nullptr && dlopen(stub, RTLD_NOW | RTLD_GLOBAL) != nullptr) return;
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&aoti_torch_get_sizes), &info) == 0 ||
        info.dli_fname == nullptr) {
      return;
    }
    std::string cpu(info.dli_fname);
    auto slash = cpu.rfind('/');
    if (slash == std::string::npos) return;
    (void)dlopen((cpu.substr(0, slash) + "/libtorch.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
    // If both failed, the package's own load reports the missing library.
  });
}

}  // namespace

extern "C" {

ltrs_error* ltrs_aoti_load(const char* path, int64_t path_len, ltrs_str model_name,
                           int64_t num_runners, int16_t device_index, const char* libtorch_stub,
                           ltrs_aoti_package** out) {
  LTRS_TRY {
    *out = nullptr;
    TORCH_CHECK(input_checks_on(), kCheckInputs, " is off in this process, so the package's "
                "input checks would not run: unset it (it is set to 1 before main)");
    TORCH_CHECK(num_runners >= 1, "num_runners must be at least 1, got ", num_runners);
    provide_libtorch(libtorch_stub);
    // The loader parses the package's JSON files into one function-local static nlohmann::json
    // (load_json_file in model_package_loader.cpp), so two loads at once corrupt the heap (seen
    // as a SIGSEGV inside the JSON parser when tests loaded packages on parallel threads). Loads
    // are therefore one at a time in this process; runs are not serialized.
    static std::mutex load_lock;
    std::lock_guard<std::mutex> one_load_at_a_time(load_lock);
    auto loader = std::make_unique<torch::inductor::AOTIModelPackageLoader>(
        std::string(path, static_cast<size_t>(path_len)), ltrs::jit::to_string(model_name),
        /*run_single_threaded=*/false, static_cast<size_t>(num_runners),
        static_cast<c10::DeviceIndex>(device_index));
    *out = new ltrs_aoti_package{std::move(loader)};
  }
  LTRS_CATCH
}

void ltrs_aoti_free(ltrs_aoti_package* p) { delete p; }

ltrs_error* ltrs_aoti_run(const ltrs_aoti_package* p, const ltrs_tensor* inputs, int64_t n,
                          ltrs_tensor_vec* out) {
  LTRS_TRY {
    *out = ltrs_tensor_vec{nullptr, 0};
    std::vector<at::Tensor> args;
    args.reserve(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      at::Tensor t = ltrs::retain(inputs[k]);
      TORCH_CHECK(t.defined(), "input ", k, " is an undefined tensor");
      TORCH_CHECK(t.layout() == at::kStrided, "input ", k, " has layout ", t.layout(),
                  "; a compiled model takes dense (strided) tensors");
      // The generated checks compare every stride that is a number at compile time; a stride
      // that depends on a dynamic size is not checked. A dense tensor spans exactly its
      // elements, whatever the order of its strides, so the model stays within it.
      if (!t.is_non_overlapping_and_dense()) t = t.contiguous();
      args.push_back(std::move(t));
    }
    // The container behind the loader serializes runs beyond its number of model instances
    // (a mutex and a condition variable): `run` is safe from several threads. It is declared
    // non-const only because it is not marked const.
    std::vector<at::Tensor> results;
    std::string captured;
    try {
      CaptureModelMessages scope(&captured);
      results = const_cast<ltrs_aoti_package*>(p)->loader->run(args);
    } catch (const std::exception&) {
      std::string reason = model_message(captured);
      if (reason.empty()) throw;
      TORCH_CHECK(false, "the model rejected the call: ", reason);
    }
    if (!captured.empty()) {
      // A run that succeeded but wrote to std::cerr (a warning): pass it on.
      std::cerr << captured;
    }
    ltrs_tensor_vec v{nullptr, static_cast<int64_t>(results.size())};
    if (!results.empty()) {
      v.data = static_cast<ltrs_tensor*>(std::malloc(results.size() * sizeof(ltrs_tensor)));
      if (v.data == nullptr) throw std::bad_alloc();
      for (size_t k = 0; k < results.size(); ++k) v.data[k] = ltrs::give(std::move(results[k]));
    }
    *out = v;
  }
  LTRS_CATCH
}

ltrs_error* ltrs_aoti_metadata(const ltrs_aoti_package* p, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    auto meta = const_cast<ltrs_aoti_package*>(p)->loader->get_metadata();
    std::vector<std::pair<std::string, std::string>> sorted(meta.begin(), meta.end());
    std::sort(sorted.begin(), sorted.end());
    c10::Dict<std::string, std::string> dict;
    for (auto& [k, v] : sorted) dict.insert(std::move(k), std::move(v));
    *out = ltrs::jit::give_value(c10::IValue(std::move(dict)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_aoti_constant_names(const ltrs_aoti_package* p, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    std::vector<std::string> names = const_cast<ltrs_aoti_package*>(p)->loader->get_constant_fqns();
    *out = ltrs::jit::give_value(ltrs::jit::string_list(names));
  }
  LTRS_CATCH
}

}  // extern "C"
