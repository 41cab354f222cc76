// C++ helpers shared by the handwritten and generated shims: handles <-> at::Tensor, and the
// exception barrier. Everything is inline so each shim object stays self-contained.
#pragma once
#include "ltrs.h"

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

struct ltrs_error {
  std::string message;       // without the C++ backtrace
  std::string full_message;  // what() as libtorch produced it
};

namespace ltrs {

// A static error returned when allocating the real one fails; ltrs_error_free ignores it.
ltrs_error* out_of_memory_error() noexcept;

inline ltrs_error* error_from(const c10::Error& e) noexcept {
  try {
    return new ltrs_error{e.what_without_backtrace(), e.what()};
  } catch (...) {
    return out_of_memory_error();
  }
}
inline ltrs_error* error_from(const std::exception& e) noexcept {
  try {
    return new ltrs_error{e.what(), e.what()};
  } catch (...) {
    return out_of_memory_error();
  }
}
inline ltrs_error* error_unknown() noexcept {
  try {
    return new ltrs_error{"unknown C++ exception", "unknown C++ exception"};
  } catch (...) {
    return out_of_memory_error();
  }
}

// An ltrs_tensor viewed as a `const at::Tensor&` without touching its reference count.
// A new owning at::Tensor for a handle (reference count + 1).
inline at::Tensor retain(ltrs_tensor t) {
  if (t == nullptr) return at::Tensor();
  return at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::unsafe_reclaim_from_nonowning(
      reinterpret_cast<at::TensorImpl*>(t)));
}

class Borrowed {
 public:
  explicit Borrowed(ltrs_tensor t) noexcept
      : tensor_(t == nullptr ? at::Tensor()
                             : at::Tensor(c10::intrusive_ptr<at::TensorImpl, at::UndefinedTensorImpl>::reclaim(
                                   reinterpret_cast<at::TensorImpl*>(t)))) {}
  ~Borrowed() {
    // Give the reference back to its owner instead of dropping it.
    (void)tensor_.unsafeReleaseTensorImpl();
  }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  at::Tensor& get() noexcept { return tensor_; }
  operator const at::Tensor&() const noexcept { return tensor_; }

 private:
  at::Tensor tensor_;
};

// The shape of a tensor whose storage cannot be reallocated (made by from_blob over memory the
// caller owns), kept while an op may resize it. ATen's resize sets the new sizes and strides
// before it finds the storage too small and throws (PyTorch issue 170298), which would leave
// a tensor that claims more memory than it has, read and written past the borrowed buffer by
// every later op. `restore_if_unwinding` puts the shape back when the op threw.
class FixedShape {
 public:
  explicit FixedShape(const at::Tensor& t) {
    if (t.defined() && t.has_storage() && !t.storage().resizable()) {
      sizes_ = t.sizes().vec();
      strides_ = t.strides().vec();
      offset_ = t.storage_offset();
      kept_ = true;
    }
  }
  void restore_if_unwinding(const at::Tensor& t) const noexcept {
    if (!kept_ || std::uncaught_exceptions() == 0) return;
    try {
      t.unsafeGetTensorImpl()->set_sizes_and_strides(sizes_, strides_, offset_);
    } catch (...) {
      // Restoring the shape the tensor had a moment ago cannot fail; if it ever did, the
      // op's own error is still the one reported.
    }
  }

 private:
  std::vector<int64_t> sizes_, strides_;
  int64_t offset_ = 0;
  bool kept_ = false;
};

// A `Tensor(a!)` argument. It holds a reference of its own, unlike Borrowed: some kernels
// rebind their out argument instead of writing into it (the quantized `std.out` ends with
// `result = at::quantize_per_tensor(...)`), which drops the reference the at::Tensor holds. A
// borrowed one would be the caller's, freeing the tensor under the Rust handle; this one leaves
// the caller's tensor as it was, and the op's returned tensor carries the result. Its shape
// survives a throwing op (see FixedShape).
class BorrowedMut {
 public:
  explicit BorrowedMut(ltrs_tensor t) : tensor_(retain(t)), shape_(tensor_) {}
  ~BorrowedMut() { shape_.restore_if_unwinding(tensor_); }
  BorrowedMut(const BorrowedMut&) = delete;
  BorrowedMut& operator=(const BorrowedMut&) = delete;
  at::Tensor& get() noexcept { return tensor_; }
  operator const at::Tensor&() const noexcept { return tensor_; }

 private:
  at::Tensor tensor_;
  FixedShape shape_;
};

// Hands one reference of `t` to the caller. An undefined tensor becomes NULL.
inline ltrs_tensor give(at::Tensor t) noexcept {
  if (!t.defined()) return nullptr;
  return reinterpret_cast<ltrs_tensor>(t.unsafeReleaseTensorImpl());
}

}  // namespace ltrs

// The exception barrier around every shim body: a function declared `ltrs_error* f(...)` runs
// LTRS_TRY { ... } LTRS_CATCH and returns NULL on success.
#define LTRS_TRY try
#define LTRS_CATCH                                     \
  catch (const c10::Error& e) {                        \
    return ::ltrs::error_from(e);                      \
  }                                                    \
  catch (const std::exception& e) {                    \
    return ::ltrs::error_from(e);                      \
  }                                                    \
  catch (...) {                                        \
    return ::ltrs::error_unknown();                    \
  }                                                    \
  return nullptr;
