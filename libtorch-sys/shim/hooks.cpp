// Tensor gradient hooks implemented by the caller (Rust): `Tensor::register_hook` with a vtable
// of extern "C" callbacks, and `remove_hook`.
#include "support.h"

#include <memory>
#include <string>

extern "C" {

/* The callbacks of a tensor hook: `call` gets the gradient (borrowed) and writes into `*out` a
 * new gradient it hands over (owned), or leaves it NULL to keep the gradient; it returns NULL or
 * an error made by ltrs_error_new and must not unwind. `drop` releases `data` exactly once, when
 * the hook is removed or its tensor's autograd metadata dies. */
typedef struct {
  ltrs_error* (*call)(void* data, ltrs_tensor grad, ltrs_tensor* out);
  void (*drop)(void* data);
} ltrs_hook_vtable;

}  // extern "C"

namespace {

struct RustHook {
  ltrs_hook_vtable vtable;
  void* data;
  RustHook(ltrs_hook_vtable v, void* d) : vtable(v), data(d) {}
  ~RustHook() { vtable.drop(data); }
  RustHook(const RustHook&) = delete;
  RustHook& operator=(const RustHook&) = delete;
};

// Takes over one reference of a handle the caller gave.
at::Tensor take(ltrs_tensor t) {
  if (t == nullptr) return at::Tensor();
  return at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::reclaim(
      reinterpret_cast<at::TensorImpl*>(t)));
}

}  // namespace

extern "C" {

ltrs_error* ltrs_tensor_register_hook(ltrs_tensor t, ltrs_hook_vtable vtable, void* data,
                                      int64_t* handle) {
  std::shared_ptr<RustHook> hook;
  try {
    hook = std::make_shared<RustHook>(vtable, data);
  } catch (...) {
    vtable.drop(data);
    return ltrs::out_of_memory_error();
  }
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& self = b;
    TORCH_CHECK(self.defined(), "register_hook: the tensor is undefined");
    TORCH_CHECK(self.requires_grad(),
                "cannot register a hook on a tensor that doesn't require gradient");
    std::function<at::Tensor(const at::Tensor&)> fn = [hook](const at::Tensor& grad) {
      ltrs_tensor out = nullptr;
      ltrs_error* e = hook->vtable.call(
          hook->data, reinterpret_cast<ltrs_tensor>(grad.unsafeGetTensorImpl()), &out);
      if (e != nullptr) {
        std::string msg = e->message;
        ltrs_error_free(e);
        TORCH_CHECK(false, "tensor hook: ", msg);
      }
      return take(out);
    };
    hook.reset();  // the std::function holds the only reference now
    *handle = static_cast<int64_t>(self.register_hook(std::move(fn)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_remove_hook(ltrs_tensor t, int64_t handle) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& self = b;
    TORCH_CHECK(self.defined(), "remove_hook: the tensor is undefined");
    TORCH_CHECK(handle >= 0, "remove_hook: invalid handle ", handle);
    self.remove_hook(static_cast<unsigned>(handle));
  }
  LTRS_CATCH
}

}  // extern "C"
