// Handwritten helpers of the safe crate that are not single ATen operators: multi-dimensional
// indexing (at::indexing), Python's wrapped numbers, conversions with (dtype, device) options and
// tensors over caller memory.
#include "autograd.h"
#include "convert.h"
#include "support.h"

#include <ATen/TensorIndexing.h>
#include <ATen/ScalarOps.h>

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

namespace {

const at::Tensor& defined(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.defined(), what, ": the tensor is undefined");
  return t;
}

at::TensorOptions options(int32_t kind, ltrs_device dev) {
  at::TensorOptions o;
  if (kind >= 0) {
    TORCH_CHECK(kind < static_cast<int32_t>(c10::ScalarType::NumOptions), "invalid dtype code ",
                kind);
    o = o.dtype(static_cast<c10::ScalarType>(kind));
  }
  if (dev.type >= 0) {
    o = o.device(c10::Device(static_cast<c10::DeviceType>(dev.type),
                             static_cast<c10::DeviceIndex>(dev.index)));
  }
  return o;
}

std::vector<at::indexing::TensorIndex> indices_of(const ltrs_index* idx, int64_t n) {
  using namespace at::indexing;
  std::vector<TensorIndex> v;
  v.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const ltrs_index& x = idx[i];
    switch (x.tag) {
      case LTRS_INDEX_INT:
        v.emplace_back(c10::SymInt(x.start));
        break;
      case LTRS_INDEX_SLICE:
        v.emplace_back(Slice(x.has_start ? std::optional<c10::SymInt>(x.start) : std::nullopt,
                             x.has_stop ? std::optional<c10::SymInt>(x.stop) : std::nullopt,
                             c10::SymInt(x.step)));
        break;
      case LTRS_INDEX_NONE:
        v.emplace_back(None);
        break;
      case LTRS_INDEX_ELLIPSIS:
        v.emplace_back(Ellipsis);
        break;
      case LTRS_INDEX_TENSOR:
        TORCH_CHECK(x.tensor != nullptr, "index ", i, ": the index tensor is undefined");
        v.emplace_back(ltrs::retain(x.tensor));
        break;
      case LTRS_INDEX_BOOL:
        v.emplace_back(x.start != 0);
        break;
      default:
        TORCH_CHECK(false, "unknown index tag ", x.tag);
    }
  }
  return v;
}

}  // namespace

extern "C" {

ltrs_error* ltrs_tensor_index_multi(ltrs_tensor t, const ltrs_index* idx, int64_t n,
                                    ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = ltrs::give(defined(b, "index").index(indices_of(idx, n)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_index_put_multi(ltrs_tensor t, const ltrs_index* idx, int64_t n,
                                        ltrs_tensor value) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    ltrs::Borrowed v(value);
    defined(b, "index_put");
    b.get().index_put_(indices_of(idx, n), defined(v, "index_put"));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_wrapped_number(ltrs_scalar s, ltrs_tensor* out) {
  LTRS_TRY {
    // What Python's argument parser makes of a number passed where a Tensor is expected: a 0-dim
    // CPU tensor flagged as a wrapped number, which type promotion treats as a Python number
    // (int64 * 2.5 is float32, not float64).
    at::Tensor w = c10::scalar_to_tensor(ltrs::scalar(s));
    w.unsafeGetTensorImpl()->set_wrapped_number(true);
    *out = ltrs::give(std::move(w));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_to_opts(ltrs_tensor t, int32_t kind, ltrs_device dev, ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& x = defined(b, "to");
    auto o = options(kind, dev);
    c10::Device d = dev.type >= 0 ? o.device() : x.device();
    c10::ScalarType k = kind >= 0 ? c10::typeMetaToScalarType(o.dtype()) : x.scalar_type();
    *out = ltrs::give(x.to(d, k));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_is_contiguous(ltrs_tensor t, bool* out) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    *out = defined(b, "is_contiguous").is_contiguous();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_blob_guard_new(ltrs_tensor t, ltrs_blob_guard** out) {
  LTRS_TRY {
    *out = nullptr;
    ltrs::Borrowed b(t);
    const at::Tensor& x = defined(b, "from_blob");
    c10::weak_intrusive_ptr<c10::StorageImpl> weak(x.storage().getWeakStorageImpl());
    *out = reinterpret_cast<ltrs_blob_guard*>(
        new c10::weak_intrusive_ptr<c10::StorageImpl>(std::move(weak)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_blob_guard_release(ltrs_blob_guard* g, void* dst, int64_t len) {
  LTRS_TRY {
    std::unique_ptr<c10::weak_intrusive_ptr<c10::StorageImpl>> weak(
        reinterpret_cast<c10::weak_intrusive_ptr<c10::StorageImpl>*>(g));
    c10::intrusive_ptr<c10::StorageImpl> s = weak->lock();
    TORCH_CHECK(len >= 0, "from_blob_mut: a buffer of ", len, " bytes");
    if (s && s->device().is_cpu()) {
      size_t n = std::min(static_cast<size_t>(len), s->nbytes());
      if (n > 0) std::memcpy(dst, s->data(), n);
    }
  }
  LTRS_CATCH
}

}  // extern "C"
