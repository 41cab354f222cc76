// Handwritten helpers of the safe crate that are not single ATen operators: multi-dimensional
// indexing (at::indexing), the arithmetic behind the std operator traits, and factories taking
// (dtype, device) options.
#include "autograd.h"
#include "support.h"

#include <ATen/TensorIndexing.h>
#include <ATen/ScalarOps.h>
#include <ATen/ops/add.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/div.h>
#include <ATen/ops/eye.h>
#include <ATen/ops/full.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/neg.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/sub.h>

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

c10::Scalar scalar_of(const ltrs_scalar& s) {
  switch (s.tag) {
    case LTRS_SCALAR_INT:
      return c10::Scalar(static_cast<int64_t>(s.v.i));
    case LTRS_SCALAR_FLOAT:
      return c10::Scalar(s.v.f);
    case LTRS_SCALAR_BOOL:
      return c10::Scalar(s.v.b);
    case LTRS_SCALAR_COMPLEX:
      return c10::Scalar(c10::complex<double>(s.v.c[0], s.v.c[1]));
    default:
      TORCH_CHECK(false, "a Scalar argument is None");
  }
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

// A CPU scalar tensor marked as a wrapped number, so type promotion treats it like a Python
// number (`int_tensor * 2.5` is float, `float_tensor * 2` stays float32).
at::Tensor wrapped(const c10::Scalar& s) {
  at::Tensor w = c10::scalar_to_tensor(s);
  w.unsafeGetTensorImpl()->set_wrapped_number(true);
  return w;
}

at::Tensor binary(int32_t op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case LTRS_ADD:
      return at::add(a, b);
    case LTRS_SUB:
      return at::sub(a, b);
    case LTRS_MUL:
      return at::mul(a, b);
    case LTRS_DIV:
      return at::div(a, b);
    default:
      TORCH_CHECK(false, "unknown binary operator code ", op);
  }
}

void binary_(int32_t op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case LTRS_ADD:
      a.add_(b);
      return;
    case LTRS_SUB:
      a.sub_(b);
      return;
    case LTRS_MUL:
      a.mul_(b);
      return;
    case LTRS_DIV:
      a.div_(b);
      return;
    default:
      TORCH_CHECK(false, "unknown binary operator code ", op);
  }
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

ltrs_error* ltrs_binary(int32_t op, ltrs_tensor a, ltrs_tensor b, ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed x(a), y(b);
    *out = ltrs::give(binary(op, defined(x, "binary operator"), defined(y, "binary operator")));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_binary_scalar(int32_t op, ltrs_tensor a, ltrs_scalar s, bool scalar_first,
                               ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed x(a);
    const at::Tensor& t = defined(x, "binary operator");
    at::Tensor w = wrapped(scalar_of(s));
    *out = ltrs::give(scalar_first ? binary(op, w, t) : binary(op, t, w));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_binary_(int32_t op, ltrs_tensor a, ltrs_tensor b) {
  LTRS_TRY {
    ltrs::Borrowed x(a), y(b);
    defined(x, "in-place operator");
    binary_(op, x.get(), defined(y, "in-place operator"));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_binary_scalar_(int32_t op, ltrs_tensor a, ltrs_scalar s) {
  LTRS_TRY {
    ltrs::Borrowed x(a);
    defined(x, "in-place operator");
    binary_(op, x.get(), wrapped(scalar_of(s)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tensor_negate(ltrs_tensor a, ltrs_tensor* out) {
  LTRS_TRY {
    ltrs::Borrowed x(a);
    *out = ltrs::give(at::neg(defined(x, "neg")));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_full_opts(ltrs_int_list shape, ltrs_scalar value, int32_t kind, ltrs_device dev,
                           ltrs_tensor* out) {
  LTRS_TRY {
    auto o = options(kind, dev);
    // at::full infers the dtype from the value when none is given; torch.zeros/ones do not.
    *out = ltrs::give(at::full(at::IntArrayRef(shape.data, shape.len), scalar_of(value), o));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_arange_opts(ltrs_scalar start, ltrs_scalar end, ltrs_scalar step, int32_t kind,
                             ltrs_device dev, ltrs_tensor* out) {
  LTRS_TRY {
    *out = ltrs::give(at::arange(scalar_of(start), scalar_of(end), scalar_of(step), options(kind, dev)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_linspace_opts(ltrs_scalar start, ltrs_scalar end, int64_t steps, int32_t kind,
                               ltrs_device dev, ltrs_tensor* out) {
  LTRS_TRY {
    *out = ltrs::give(at::linspace(scalar_of(start), scalar_of(end), steps, options(kind, dev)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_eye_opts(int64_t n, int64_t m, int32_t kind, ltrs_device dev, ltrs_tensor* out) {
  LTRS_TRY { *out = ltrs::give(at::eye(n, m, options(kind, dev))); }
  LTRS_CATCH
}

ltrs_error* ltrs_random_opts(int32_t dist, ltrs_int_list shape, int32_t kind, ltrs_device dev,
                             ltrs_tensor* out) {
  LTRS_TRY {
    at::IntArrayRef s(shape.data, shape.len);
    auto o = options(kind, dev);
    switch (dist) {
      case 0:
        *out = ltrs::give(at::rand(s, o));
        break;
      case 1:
        *out = ltrs::give(at::randn(s, o));
        break;
      default:
        TORCH_CHECK(false, "unknown distribution code ", dist);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_randint_opts(int64_t low, int64_t high, ltrs_int_list shape, int32_t kind,
                              ltrs_device dev, ltrs_tensor* out) {
  LTRS_TRY {
    *out = ltrs::give(at::randint(low, high, at::IntArrayRef(shape.data, shape.len), options(kind, dev)));
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
