// Conversions between the C ABI types of ltrs.h and libtorch's C++ types, used by the generated
// shims (shim/generated/ops_*.cpp). Handwritten; everything is inline.
//
// Argument conversions return either the C++ value itself or a small holder that owns what the
// C++ view type (ArrayRef, IListRef, optional<ArrayRef>) points into. A holder is a temporary
// of the full call expression, so it outlives the call; never store what it converts to.
#pragma once
#include "support.h"

#include <ATen/core/Generator.h>
#include <ATen/core/List.h>
#include <torch/headeronly/version.h>
// Named tensors (Dimname) are gone from PyTorch 2.13 on, with every overload taking them.
#if TORCH_VERSION_MINOR < 13
#include <ATen/core/Dimname.h>
#endif
#include <ATen/core/ivalue.h>
#include <c10/core/Device.h>
#include <c10/core/Layout.h>
#include <c10/core/MemoryFormat.h>
#include <c10/core/QScheme.h>
#include <c10/core/Scalar.h>
#include <c10/core/ScalarType.h>
#include <c10/core/Storage.h>
#include <c10/core/Stream.h>
#include <c10/core/SymBool.h>
#include <c10/core/SymInt.h>
#include <c10/core/SymIntArrayRef.h>
#include <c10/util/OptionalArrayRef.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

namespace ltrs {

// ---- tensors ----

inline std::optional<at::Tensor> opt_tensor(ltrs_tensor t) {
  if (t == nullptr) return std::nullopt;
  return retain(t);
}

// `Tensor[]`: owning copies of the handles (reference count + 1 each, released after the call).
struct TensorListArg {
  std::vector<at::Tensor> v;
  operator at::TensorList() const { return v; }
  operator at::ITensorListRef() const { return at::ITensorListRef(at::TensorList(v)); }
};
inline TensorListArg tensor_list(ltrs_tensor_list l) {
  TensorListArg a;
  a.v.reserve(static_cast<size_t>(l.len > 0 ? l.len : 0));
  for (int64_t i = 0; i < l.len; ++i) a.v.push_back(retain(l.data[i]));
  return a;
}

// `Tensor(a!)[]`: a TensorListArg whose tensors' shapes survive a throwing op (see FixedShape).
struct TensorListMutArg : TensorListArg {
  std::vector<FixedShape> shapes;
  TensorListMutArg() = default;
  TensorListMutArg(const TensorListMutArg&) = delete;
  TensorListMutArg& operator=(const TensorListMutArg&) = delete;
  ~TensorListMutArg() {
    for (size_t i = 0; i < shapes.size(); ++i) shapes[i].restore_if_unwinding(v[i]);
  }
};
inline void fill_tensor_list_mut(TensorListMutArg& a, ltrs_tensor_list l) {
  a.v.reserve(static_cast<size_t>(l.len > 0 ? l.len : 0));
  a.shapes.reserve(a.v.capacity());
  for (int64_t i = 0; i < l.len; ++i) {
    a.v.push_back(retain(l.data[i]));
    a.shapes.emplace_back(a.v.back());
  }
}

// `Tensor?[]`: a NULL element is None.
inline c10::List<std::optional<at::Tensor>> opt_tensor_list(ltrs_tensor_list l) {
  c10::List<std::optional<at::Tensor>> list;
  list.reserve(static_cast<size_t>(l.len > 0 ? l.len : 0));
  for (int64_t i = 0; i < l.len; ++i) list.push_back(opt_tensor(l.data[i]));
  return list;
}

// ---- scalars ----

inline at::Scalar scalar(ltrs_scalar s) {
  switch (s.tag) {
    case LTRS_SCALAR_INT:
      return at::Scalar(static_cast<int64_t>(s.v.i));
    case LTRS_SCALAR_FLOAT:
      return at::Scalar(s.v.f);
    case LTRS_SCALAR_BOOL:
      return at::Scalar(s.v.b);
    case LTRS_SCALAR_COMPLEX:
      return at::Scalar(c10::complex<double>(s.v.c[0], s.v.c[1]));
    default:
      TORCH_CHECK(false, "ltrs: a Scalar argument is None or has an unknown tag ", s.tag);
  }
}

inline std::optional<at::Scalar> opt_scalar(ltrs_scalar s) {
  if (s.tag == LTRS_SCALAR_NONE) return std::nullopt;
  return scalar(s);
}

struct ScalarListArg {
  std::vector<at::Scalar> v;
  operator at::ArrayRef<at::Scalar>() const { return v; }
};
inline ScalarListArg scalar_list(ltrs_scalar_list l) {
  ScalarListArg a;
  a.v.reserve(static_cast<size_t>(l.len > 0 ? l.len : 0));
  for (int64_t i = 0; i < l.len; ++i) a.v.push_back(scalar(l.data[i]));
  return a;
}

// ---- ints, floats, bools ----

inline std::optional<int64_t> opt_int(ltrs_opt_int v) {
  if (!v.some) return std::nullopt;
  return v.value;
}
inline std::optional<c10::SymInt> opt_symint(ltrs_opt_int v) {
  if (!v.some) return std::nullopt;
  return c10::SymInt(v.value);
}

inline at::IntArrayRef int_list(ltrs_int_list l) {
  if (l.data == nullptr || l.len <= 0) return at::IntArrayRef();
  return at::IntArrayRef(l.data, static_cast<size_t>(l.len));
}
inline c10::SymIntArrayRef symint_list(ltrs_int_list l) { return c10::fromIntArrayRefSlow(int_list(l)); }
inline at::OptionalIntArrayRef opt_int_list(ltrs_int_list l) {
  if (l.data == nullptr && l.len < 0) return std::nullopt;
  return int_list(l);
}
inline at::OptionalSymIntArrayRef opt_symint_list(ltrs_int_list l) {
  if (l.data == nullptr && l.len < 0) return std::nullopt;
  return symint_list(l);
}

inline std::optional<double> opt_float(ltrs_opt_float v) {
  if (!v.some) return std::nullopt;
  return v.value;
}
inline std::optional<at::ArrayRef<double>> opt_float_list(ltrs_float_list l) {
  if (l.data == nullptr && l.len < 0) return std::nullopt;
  if (l.data == nullptr || l.len <= 0) return at::ArrayRef<double>();
  return at::ArrayRef<double>(l.data, static_cast<size_t>(l.len));
}

inline std::optional<bool> opt_bool(ltrs_opt_bool v) {
  if (v < 0) return std::nullopt;
  return v != 0;
}

template <size_t N>
inline std::array<bool, N> bool_array(const bool* p) {
  std::array<bool, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = p[i];
  return a;
}

// ---- strings and names ----

// An empty string views a static "" (as a Python caller's std::string would), never a null
// pointer: kernels read s[0] unchecked before validating (linalg_eigh's UPLO).
inline c10::string_view str(ltrs_str s) {
  if (s.data == nullptr || s.len <= 0) return c10::string_view("", 0);
  return c10::string_view(s.data, static_cast<size_t>(s.len));
}
inline std::optional<c10::string_view> opt_str(ltrs_str s) {
  if (s.data == nullptr) return std::nullopt;
  return str(s);
}

#if TORCH_VERSION_MINOR < 13
inline at::Dimname dimname(ltrs_str s) {
  std::string name(s.data == nullptr ? "" : s.data, static_cast<size_t>(s.len > 0 ? s.len : 0));
  return at::Dimname::fromSymbol(at::Symbol::dimname(name));
}

// A `Dimname[]` argument. The optional form is asked for by name (`.opt()`): an implicit
// conversion to std::optional<at::DimnameList> loses to optional's own converting constructor,
// which wraps the (empty) list, so `names=None` would arrive as `names=[]`.
struct DimnameListArg {
  std::vector<at::Dimname> v;
  bool some = true;
  operator at::DimnameList() const { return v; }
  std::optional<at::DimnameList> opt() const {
    if (!some) return std::nullopt;
    return at::DimnameList(v);
  }
};
inline DimnameListArg dimname_list(ltrs_str_list l) {
  DimnameListArg a;
  if (l.data == nullptr && l.len < 0) {
    a.some = false;
    return a;
  }
  a.v.reserve(static_cast<size_t>(l.len > 0 ? l.len : 0));
  for (int64_t i = 0; i < l.len; ++i) a.v.push_back(dimname(l.data[i]));
  return a;
}
#endif

// ---- enums (c10 codes; -1 is None for the optional forms) ----

template <typename E>
inline E enum_value(int32_t v) {
  return static_cast<E>(v);
}
template <typename E>
inline std::optional<E> opt_enum(int32_t v) {
  if (v < 0) return std::nullopt;
  return static_cast<E>(v);
}

inline at::Device device(ltrs_device d) {
  return at::Device(static_cast<c10::DeviceType>(d.type), static_cast<c10::DeviceIndex>(d.index));
}
inline std::optional<at::Device> opt_device(ltrs_device d) {
  if (d.type < 0) return std::nullopt;
  return device(d);
}

// ---- generators, storages, streams ----

// A borrowed GeneratorImpl* as an owning at::Generator (reference count + 1); NULL is None.
inline std::optional<at::Generator> opt_generator(ltrs_generator g) {
  if (g == nullptr) return std::nullopt;
  return at::Generator(c10::intrusive_ptr<c10::GeneratorImpl>::unsafe_reclaim_from_nonowning(
      reinterpret_cast<c10::GeneratorImpl*>(g)));
}

inline at::Storage storage(ltrs_storage s) {
  TORCH_CHECK(s != nullptr, "ltrs: a Storage argument is null");
  return at::Storage(c10::intrusive_ptr<c10::StorageImpl>::unsafe_reclaim_from_nonowning(
      reinterpret_cast<c10::StorageImpl*>(s)));
}

inline c10::Stream stream(ltrs_stream s) {
  return c10::Stream::unpack3(s.id, static_cast<c10::DeviceIndex>(s.device_index),
                              static_cast<c10::DeviceType>(s.device_type));
}

// ---- results ----

inline ltrs_tensor_vec give_vec(const std::vector<at::Tensor>& v) {
  ltrs_tensor_vec out{nullptr, static_cast<int64_t>(v.size())};
  if (v.empty()) return out;
  out.data = static_cast<ltrs_tensor*>(std::malloc(v.size() * sizeof(ltrs_tensor)));
  if (out.data == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < v.size(); ++i) out.data[i] = give(v[i]);
  return out;
}

inline int64_t from_symint(const c10::SymInt& v) { return v.guard_int(__FILE__, __LINE__); }
inline bool from_symbool(const c10::SymBool& v) { return v.guard_bool(__FILE__, __LINE__); }

inline ltrs_scalar from_scalar(const at::Scalar& s) {
  ltrs_scalar out{};
  if (s.isBoolean()) {
    out.tag = LTRS_SCALAR_BOOL;
    out.v.b = s.toBool();
  } else if (s.isIntegral(false)) {
    out.tag = LTRS_SCALAR_INT;
    out.v.i = s.toLong();
  } else if (s.isComplex()) {
    out.tag = LTRS_SCALAR_COMPLEX;
    auto c = s.toComplexDouble();
    out.v.c[0] = c.real();
    out.v.c[1] = c.imag();
  } else {
    out.tag = LTRS_SCALAR_FLOAT;
    out.v.f = s.toDouble();
  }
  return out;
}

template <typename E>
inline int32_t from_enum(E e) {
  return static_cast<int32_t>(e);
}

}  // namespace ltrs
