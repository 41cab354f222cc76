// Handwritten tensor basics that are not ATen operators: metadata accessors, and moving data
// between Rust memory and tensors.
#include "support.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include <cstring>

namespace {
c10::ScalarType scalar_type(int32_t kind) {
  TORCH_CHECK(kind >= 0 && kind < static_cast<int32_t>(c10::ScalarType::NumOptions),
              "invalid dtype code ", kind);
  return static_cast<c10::ScalarType>(kind);
}
const at::Tensor& defined(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.defined(), what, ": the tensor is undefined");
  return t;
}
}  // namespace

extern "C" {


ltrs_error* ltrs_tensor_from_data(ltrs_tensor* out, const void* data, int64_t nbytes,
                                  const int64_t* shape, int64_t ndim, int32_t kind) {
  LTRS_TRY {
    at::Tensor t = at::empty(at::IntArrayRef(shape, ndim), at::TensorOptions().dtype(scalar_type(kind)));
    TORCH_CHECK(static_cast<int64_t>(t.nbytes()) == nbytes, "from_data: ", nbytes,
                " bytes of data for a tensor of shape ", t.sizes(), " that needs ", t.nbytes());
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, nbytes);
    *out = ltrs::give(std::move(t));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_from_blob(ltrs_tensor* out, void* data, const int64_t* shape, int64_t ndim,
                                  const int64_t* strides, int32_t kind) {
  LTRS_TRY {
    auto options = at::TensorOptions().dtype(scalar_type(kind));
    at::Tensor t = strides == nullptr
                       ? at::from_blob(data, at::IntArrayRef(shape, ndim), options)
                       : at::from_blob(data, at::IntArrayRef(shape, ndim), at::IntArrayRef(strides, ndim), options);
    *out = ltrs::give(std::move(t));
  }
  LTRS_CATCH
}

// Copies the elements of `t` (any device, layout or stride) into `dst` as dtype `kind`.
ltrs_error* ltrs_tensor_copy_to(ltrs_tensor t, void* dst, int64_t nbytes, int32_t kind) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& src = defined(b, "copy_to");
    // `to` and `contiguous` return the tensor itself when nothing changes, conjugate and
    // negative bits included: resolve those, or a `_neg_view` would be copied out unnegated.
    at::Tensor c = src.to(at::kCPU, scalar_type(kind)).resolve_conj().resolve_neg().contiguous();
    TORCH_CHECK(static_cast<int64_t>(c.nbytes()) == nbytes, "copy_to: a buffer of ", nbytes,
                " bytes for a tensor of ", c.nbytes(), " bytes");
    if (c.scalar_type() == at::kBool) {
      // A bool tensor can hold other bytes (written through a uint8 view): Rust's `bool` must
      // be 0 or 1, so each byte is read as a byte and made one of them, as PyTorch's
      // `bool(t[i])` reads any nonzero byte as True.
      const auto* src = static_cast<const uint8_t*>(c.const_data_ptr());
      auto* out = static_cast<uint8_t*>(dst);
      for (int64_t i = 0; i < nbytes; ++i) out[i] = src[i] != 0;
    } else if (nbytes > 0) {
      std::memcpy(dst, c.const_data_ptr(), nbytes);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_dim(ltrs_tensor t, int64_t* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "dim").dim();
  }
  LTRS_CATCH
}

// Writes min(dim, cap) sizes (or strides) into `buf`; the caller learns dim from ltrs_tensor_dim.
ltrs_error* ltrs_tensor_sizes(ltrs_tensor t, int64_t* buf, int64_t cap) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    auto s = defined(b, "size").sizes();
    for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < cap; ++i) buf[i] = s[i];
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_strides(ltrs_tensor t, int64_t* buf, int64_t cap) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    auto s = defined(b, "stride").strides();
    for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < cap; ++i) buf[i] = s[i];
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_numel(ltrs_tensor t, int64_t* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "numel").numel();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_storage_offset(ltrs_tensor t, int64_t* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "storage_offset").storage_offset();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_scalar_type(ltrs_tensor t, int32_t* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = static_cast<int32_t>(defined(b, "dtype").scalar_type());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_device(ltrs_tensor t, ltrs_device* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    auto d = defined(b, "device").device();
    out->type = static_cast<int16_t>(d.type());
    out->index = static_cast<int16_t>(d.index());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_layout(ltrs_tensor t, int32_t* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = static_cast<int32_t>(defined(b, "layout").layout());
  }
  LTRS_CATCH
}

// The layout of a defined tensor, without the error machinery: the argument guards of hot ops
// (matmul, add_) ask it on every call. TensorImpl::layout() reads the dispatch key set only and
// cannot throw. A null handle (undefined) answers strided.
int32_t ltrs_tensor_layout_of(ltrs_tensor t) {
  if (t == nullptr) return static_cast<int32_t>(at::kStrided);
  return static_cast<int32_t>(reinterpret_cast<const at::TensorImpl*>(t)->layout());
}

ltrs_error* ltrs_tensor_requires_grad(ltrs_tensor t, bool* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "requires_grad").requires_grad();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_data_ptr(ltrs_tensor t, void** out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "data_ptr").data_ptr();
  }
  LTRS_CATCH
}

// How many references share `t`'s TensorImpl (handles, views' bases, autograd's saved copies)
// and how many TensorImpls share its storage (0 for a tensor without one). Plain reads of atomic
// counts: cannot throw. A null handle (undefined) has none.
void ltrs_tensor_use_counts(ltrs_tensor t, int64_t* impl_refs, int64_t* storage_refs) {
  if (t == nullptr) {
    *impl_refs = 0;
    *storage_refs = 0;
    return;
  }
  auto* impl = reinterpret_cast<c10::TensorImpl*>(t);
  *impl_refs = static_cast<int64_t>(c10::raw::intrusive_ptr::use_count(impl));
  *storage_refs =
      impl->has_storage() ? static_cast<int64_t>(impl->unsafe_storage().use_count()) : 0;
}

// Whether two handles are the same TensorImpl (Python's `a is b` on tensors).
bool ltrs_tensor_is_same(ltrs_tensor a, ltrs_tensor b) { return a == b; }

}  // extern "C"
