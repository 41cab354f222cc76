// Autograd: grad mode, backward/grad, tensor grads, and custom functions whose forward and
// backward are implemented by the caller (Rust) through a vtable of extern "C" callbacks.
// The only shim that includes torch/csrc/autograd headers (they are slow to compile).
#include "autograd.h"
#include "support.h"

#include <mutex>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/anomaly_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct ltrs_tensor_sink {
  std::vector<at::Tensor> tensors;
};

namespace {

std::vector<at::Tensor> tensors_of(ltrs_tensor_list l) {
  std::vector<at::Tensor> v;
  if (l.data == nullptr || l.len <= 0) return v;
  v.reserve(static_cast<size_t>(l.len));
  for (int64_t i = 0; i < l.len; ++i) v.push_back(ltrs::retain(l.data[i]));
  return v;
}

std::optional<bool> opt_bool(ltrs_opt_bool b) {
  if (b < 0) return std::nullopt;
  return b != 0;
}

void give_vec(std::vector<at::Tensor> v, ltrs_tensor_vec* out) {
  out->data = nullptr;
  out->len = 0;
  if (v.empty()) return;
  auto* data = static_cast<ltrs_tensor*>(std::malloc(sizeof(ltrs_tensor) * v.size()));
  if (data == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < v.size(); ++i) data[i] = ltrs::give(std::move(v[i]));
  out->data = data;
  out->len = static_cast<int64_t>(v.size());
}

// Rethrows an error returned by a callback as a C++ exception (freeing it).
void rethrow(ltrs_error* e, const char* what) {
  if (e == nullptr) return;
  std::string msg = e->message;
  ltrs_error_free(e);
  TORCH_CHECK(false, what, ": ", msg);
}

// The Rust object behind one application of a custom function; dropped with the graph node.
struct RustFn : torch::CustomClassHolder {
  ltrs_function_vtable vtable;
  void* data;
  RustFn(ltrs_function_vtable v, void* d) : vtable(v), data(d) {}
  ~RustFn() override {
    if (data != nullptr) vtable.drop(data);
  }
  RustFn(const RustFn&) = delete;
  RustFn& operator=(const RustFn&) = delete;
};

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct RustFunction : torch::autograd::Function<RustFunction> {
  static variable_list forward(AutogradContext* ctx, at::TensorList inputs,
                               c10::intrusive_ptr<RustFn> fn) {
    std::vector<ltrs_tensor> raw;
    raw.reserve(inputs.size());
    for (const auto& t : inputs) raw.push_back(reinterpret_cast<ltrs_tensor>(t.unsafeGetTensorImpl()));
    ctx->saved_data["ltrs_fn"] = c10::IValue::make_capsule(fn);
    ctx->saved_data["ltrs_n_inputs"] = static_cast<int64_t>(inputs.size());
    ltrs_tensor_sink sink;
    rethrow(fn->vtable.forward(fn->data, reinterpret_cast<ltrs_autograd_ctx*>(ctx), raw.data(),
                               static_cast<int64_t>(raw.size()), &sink),
            "custom function forward");
    return std::move(sink.tensors);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto holder = ctx->saved_data.at("ltrs_fn").toCapsule();
    auto* fn = static_cast<RustFn*>(holder.get());
    int64_t n_inputs = ctx->saved_data.at("ltrs_n_inputs").toInt();
    std::vector<ltrs_tensor> raw;
    raw.reserve(grads.size());
    for (const auto& g : grads)
      raw.push_back(g.defined() ? reinterpret_cast<ltrs_tensor>(g.unsafeGetTensorImpl()) : nullptr);
    ltrs_tensor_sink sink;
    rethrow(fn->vtable.backward(fn->data, reinterpret_cast<ltrs_autograd_ctx*>(ctx), raw.data(),
                                static_cast<int64_t>(raw.size()), &sink),
            "custom function backward");
    TORCH_CHECK(static_cast<int64_t>(sink.tensors.size()) == n_inputs,
                "custom function backward returned ", sink.tensors.size(),
                " gradients for a function of ", n_inputs, " inputs");
    variable_list out = std::move(sink.tensors);
    out.emplace_back();  // for the `fn` argument, which is not a tensor
    return out;
  }
};

AutogradContext* ctx_of(ltrs_autograd_ctx* c) { return reinterpret_cast<AutogradContext*>(c); }

}  // namespace

extern "C" {

ltrs_error* ltrs_error_new(const char* msg, int64_t len) {
  try {
    std::string m(msg, static_cast<size_t>(len < 0 ? 0 : len));
    return new ltrs_error{m, m};
  } catch (...) {
    return ltrs::out_of_memory_error();
  }
}

bool ltrs_grad_mode_is_enabled(void) { return c10::GradMode::is_enabled(); }
void ltrs_grad_mode_set_enabled(bool enabled) { c10::GradMode::set_enabled(enabled); }
bool ltrs_anomaly_mode_is_enabled(void) { return torch::autograd::AnomalyMode::is_enabled(); }
void ltrs_anomaly_mode_set_enabled(bool enabled) {
  torch::autograd::AnomalyMode::set_enabled(enabled);
}

ltrs_error* ltrs_tensor_set_requires_grad(ltrs_tensor t, bool requires_grad) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "set_requires_grad: the tensor is undefined");
    // requires_grad_ (not TensorImpl::set_requires_grad) applies PyTorch's checks, e.g. that
    // only leaves may change the flag.
    b.get().requires_grad_(requires_grad);
  }
  LTRS_CATCH
}

// A tensor's `.grad` is one intrusive pointer in its autograd metadata: copying it out on one
// thread while another thread replaces it frees what the first is taking a reference to
// ("Cannot increase refcount"). Every read and write of it through this crate holds this lock.
// (The autograd engine writes gradients under its own lock; see the soundness notes in the
// `Tensor` docs for backward running on another thread.)
static std::mutex grad_mutex;

ltrs_error* ltrs_tensor_grad(ltrs_tensor t, ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "grad: the tensor is undefined");
    std::lock_guard<std::mutex> lock(grad_mutex);
    *out = ltrs::give(b.get().grad());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_set_grad(ltrs_tensor t, ltrs_tensor g) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& self = b.get();
    TORCH_CHECK(self.defined(), "set_grad: the tensor is undefined");
    at::Tensor grad = ltrs::retain(g);
    // The checks of Python's `t.grad = g` (THPVariable_set_grad).
    if (grad.defined()) {
      TORCH_CHECK(!self.is_same(grad), "set_grad: a tensor cannot be its own gradient");
      TORCH_CHECK(grad.scalar_type() == self.scalar_type(), "set_grad: a gradient of dtype ",
                  grad.scalar_type(), " for a tensor of dtype ", self.scalar_type());
      TORCH_CHECK(grad.device() == self.device(), "set_grad: a gradient on ", grad.device(),
                  " for a tensor on ", self.device());
      if (grad.layout() == at::kStrided || self.layout() != at::kStrided) {
        TORCH_CHECK(grad.sizes() == self.sizes(), "set_grad: a gradient of size ",
                    grad.sizes(), " for a tensor of size ", self.sizes());
      } else {
        TORCH_CHECK(grad.dim() == self.dim() && grad.sizes() == self.sizes(),
                    "set_grad: a sparse gradient of size ", grad.sizes(),
                    " for a tensor of size ", self.sizes());
      }
    }
    std::lock_guard<std::mutex> lock(grad_mutex);
    self.mutable_grad() = std::move(grad);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_zero_grad(ltrs_tensor t) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "zero_grad: the tensor is undefined");
    std::lock_guard<std::mutex> lock(grad_mutex);
    at::Tensor& g = b.get().mutable_grad();
    if (g.defined()) {
      g = g.detach();
      g.zero_();
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_has_grad_fn(ltrs_tensor t, bool* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "grad_fn: the tensor is undefined");
    *out = b.get().grad_fn() != nullptr;
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_grad_fn_name(ltrs_tensor t, char* buf, int64_t cap) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    TORCH_CHECK(b.get().defined(), "grad_fn: the tensor is undefined");
    TORCH_CHECK(cap > 0, "grad_fn_name: empty buffer");
    std::string name;
    if (auto fn = b.get().grad_fn()) name = fn->name();
    size_t n = std::min(name.size(), static_cast<size_t>(cap - 1));
    std::memcpy(buf, name.data(), n);
    buf[n] = '\0';
  }
  LTRS_CATCH
}

ltrs_error* ltrs_autograd_backward(ltrs_tensor_list tensors, ltrs_tensor_list grad_tensors,
                                   ltrs_opt_bool retain_graph, bool create_graph) {
  LTRS_TRY {
    auto ts = tensors_of(tensors);
    for (const auto& t : ts) TORCH_CHECK(t.defined(), "backward: a tensor is undefined");
    torch::autograd::backward(ts, tensors_of(grad_tensors), opt_bool(retain_graph), create_graph);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_autograd_grad(ltrs_tensor_list outputs, ltrs_tensor_list inputs,
                               ltrs_tensor_list grad_outputs, ltrs_opt_bool retain_graph,
                               bool create_graph, bool allow_unused, ltrs_tensor_vec* out) {
  LTRS_TRY {
    auto os = tensors_of(outputs);
    auto is = tensors_of(inputs);
    for (const auto& t : os) TORCH_CHECK(t.defined(), "grad: an output is undefined");
    for (const auto& t : is) TORCH_CHECK(t.defined(), "grad: an input is undefined");
    auto r = torch::autograd::grad(os, is, tensors_of(grad_outputs), opt_bool(retain_graph),
                                   create_graph, allow_unused);
    give_vec(std::move(r), out);
  }
  LTRS_CATCH
}

void ltrs_tensor_sink_push(ltrs_tensor_sink* sink, ltrs_tensor t) {
  // Take the reference first, so it is released even if push_back cannot allocate.
  at::Tensor owned = t == nullptr ? at::Tensor()
                                  : at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::reclaim(
                                        reinterpret_cast<at::TensorImpl*>(t)));
  try {
    sink->tensors.push_back(std::move(owned));
  } catch (...) {
  }
}

ltrs_error* ltrs_autograd_ctx_save_for_backward(ltrs_autograd_ctx* ctx, ltrs_tensor_list ts) {
  LTRS_TRY { ctx_of(ctx)->save_for_backward(tensors_of(ts)); }
  LTRS_CATCH
}

ltrs_error* ltrs_autograd_ctx_saved_tensors(ltrs_autograd_ctx* ctx, ltrs_tensor_vec* out) {
  LTRS_TRY { give_vec(ctx_of(ctx)->get_saved_variables(), out); }
  LTRS_CATCH
}

ltrs_error* ltrs_autograd_ctx_mark_non_differentiable(ltrs_autograd_ctx* ctx, ltrs_tensor_list ts) {
  LTRS_TRY { ctx_of(ctx)->mark_non_differentiable(tensors_of(ts)); }
  LTRS_CATCH
}

ltrs_error* ltrs_autograd_ctx_needs_input_grad(ltrs_autograd_ctx* ctx, int64_t i, bool* out) {
  LTRS_TRY {
    TORCH_CHECK(i >= 0, "needs_input_grad: negative index ", i);
    *out = ctx_of(ctx)->needs_input_grad(static_cast<size_t>(i));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_function_apply(ltrs_function_vtable vtable, void* data, ltrs_tensor_list inputs,
                                ltrs_tensor_vec* out) {
  c10::intrusive_ptr<RustFn> fn;
  try {
    fn = c10::make_intrusive<RustFn>(vtable, data);
  } catch (...) {
    vtable.drop(data);
    return ltrs::out_of_memory_error();
  }
  LTRS_TRY {
    auto in = tensors_of(inputs);
    for (const auto& t : in) TORCH_CHECK(t.defined(), "custom function: an input is undefined");
    variable_list r = RustFunction::apply(at::TensorList(in), std::move(fn));
    give_vec(std::move(r), out);
  }
  LTRS_CATCH
}

}  // extern "C"
