// The C++ side of the `bench` binary: each workload as raw libtorch calls, the same calls the
// Rust side makes through the safe API. Every function runs `iters` iterations and returns, so
// the one FFI call into it is amortized; it returns NULL on success or an error message (valid
// until the next call on this thread).
//
// Tensors come in as borrowed `TensorImpl*` handles (what an `ltrs_tensor` is) made on the Rust
// side, so both implementations work on identical data; each side trains its own parameters.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

// Client requests that switch callgrind's instrumentation on and off around the measured loop
// (`--instructions`); without the header they do nothing and the whole run is counted.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#else
#define BENCH_HAVE_CALLGRIND 0
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name) (void)(name)
#endif

namespace {

thread_local std::string last_error;

// A new owning at::Tensor for a borrowed handle (reference count + 1, given back on scope exit).
at::Tensor borrow(void* h) {
  return at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::reclaim_copy(
      static_cast<at::TensorImpl*>(h)));
}

std::vector<at::Tensor> borrow_all(void* const* hs, size_t n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) v.push_back(borrow(hs[i]));
  return v;
}

template <class F>
const char* guarded(F&& f) noexcept {
  try {
    f();
    return nullptr;
  } catch (const c10::Error& e) {
    last_error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown C++ exception";
  }
  return last_error.c_str();
}

// One SGD step on `params` (p -= lr * p.grad, without recording), then zeroing the gradients.
void sgd_step_and_zero(std::vector<at::Tensor>& params, double lr) {
  {
    c10::NoGradGuard no_grad;
    for (auto& p : params) p.sub_(p.grad(), lr);
  }
  for (auto& p : params) p.grad().zero_();
}

}  // namespace

extern "C" {

bool bench_callgrind_requests(void) { return BENCH_HAVE_CALLGRIND; }
void bench_callgrind_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void bench_callgrind_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void bench_callgrind_zero(void) { CALLGRIND_ZERO_STATS; }
void bench_callgrind_dump(const char* name) { CALLGRIND_DUMP_STATS_AT(name); }

void bench_cpp_set_num_threads(int64_t n) { at::set_num_threads(static_cast<int>(n)); }

// (a), (b): one operator on [a, b]; whether it records autograd depends on the inputs.
const char* bench_cpp_add(void* const* t, size_t n, int64_t iters) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    for (int64_t i = 0; i < iters; ++i) at::Tensor c = at::add(in[0], in[1]);
  });
}

const char* bench_cpp_relu(void* const* t, size_t n, int64_t iters) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    for (int64_t i = 0; i < iters; ++i) at::Tensor c = at::relu(in[0]);
  });
}

// (a), (b), (f): matmul of in[0] and in[1].
const char* bench_cpp_matmul(void* const* t, size_t n, int64_t iters) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    for (int64_t i = 0; i < iters; ++i) at::Tensor c = at::matmul(in[0], in[1]);
  });
}

// (c): [x, y, w1, b1, w2, b2]; 2 -> 2 tanh -> 1 MLP (xor-mlp's), MSE, SGD(lr).
const char* bench_cpp_xor_step(void* const* t, size_t n, int64_t iters, double lr) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    const at::Tensor &x = in[0], &y = in[1];
    std::vector<at::Tensor> params(in.begin() + 2, in.end());
    for (int64_t i = 0; i < iters; ++i) {
      at::Tensor h = at::tanh(at::linear(x, params[0], params[1]));
      at::Tensor out = at::linear(h, params[2], params[3]);
      at::Tensor loss = at::mse_loss(out, y, at::Reduction::Mean);
      loss.backward();
      sgd_step_and_zero(params, lr);
    }
  });
}

// (d): [x, labels, w1, b1, w2, b2]; 784 -> 256 relu -> 10, cross-entropy, SGD(lr).
const char* bench_cpp_mlp_step(void* const* t, size_t n, int64_t iters, double lr) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    const at::Tensor &x = in[0], &labels = in[1];
    std::vector<at::Tensor> params(in.begin() + 2, in.end());
    for (int64_t i = 0; i < iters; ++i) {
      at::Tensor h = at::relu(at::linear(x, params[0], params[1]));
      at::Tensor logits = at::linear(h, params[2], params[3]);
      at::Tensor loss = at::cross_entropy_loss(logits, labels);
      loss.backward();
      sgd_step_and_zero(params, lr);
    }
  });
}

// (e): [x, labels, conv_w, conv_b, w, b]; conv 1->8 3x3 pad 1, relu, maxpool 2, linear -> 10,
// cross-entropy, SGD(lr).
const char* bench_cpp_conv_step(void* const* t, size_t n, int64_t iters, double lr) {
  return guarded([&] {
    auto in = borrow_all(t, n);
    const at::Tensor &x = in[0], &labels = in[1];
    std::vector<at::Tensor> params(in.begin() + 2, in.end());
    const int64_t batch = x.size(0);
    for (int64_t i = 0; i < iters; ++i) {
      at::Tensor h = at::conv2d(x, params[0], params[1], {1}, {1});
      h = at::max_pool2d(at::relu(h), {2});
      at::Tensor logits = at::linear(h.reshape({batch, -1}), params[2], params[3]);
      at::Tensor loss = at::cross_entropy_loss(logits, labels);
      loss.backward();
      sgd_step_and_zero(params, lr);
    }
  });
}

// (g), the floor: the same bytes copied in and out by two plain memcpys into buffers that
// already exist.
const char* bench_cpp_memcpy(const float* src, size_t n, float* mid, float* dst, int64_t iters) {
  return guarded([&] {
    for (int64_t i = 0; i < iters; ++i) {
      std::memcpy(mid, src, n * sizeof(float));
      std::memcpy(dst, mid, n * sizeof(float));
      asm volatile("" : : "r"(mid), "r"(dst) : "memory");
    }
  });
}

// (g) in C++: a tensor copied from `src` (from_blob().clone()), then read back into a new
// buffer with memcpy, as a C++ program without the binding would.
const char* bench_cpp_copy(const float* src, size_t n, int64_t iters) {
  return guarded([&] {
    for (int64_t i = 0; i < iters; ++i) {
      at::Tensor t = at::from_blob(const_cast<float*>(src), {static_cast<int64_t>(n)}, at::kFloat).clone();
      float* out = static_cast<float*>(std::malloc(n * sizeof(float)));
      TORCH_CHECK(out != nullptr, "out of memory");
      std::memcpy(out, t.const_data_ptr<float>(), n * sizeof(float));
      asm volatile("" : : "r"(out) : "memory");
      std::free(out);
    }
  });
}

}  // extern "C"
