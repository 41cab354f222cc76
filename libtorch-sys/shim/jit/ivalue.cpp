// TorchScript values (`c10::IValue`) behind owned handles: constructors, accessors, and the
// conversion of an argument to the type a method's schema declares.
#include "values.h"

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

using ltrs::jit::give_value;
using ltrs::jit::value_of;

namespace {

// The type an item contributes to its container's element type: tensors without their shapes
// (a list of two differently shaped tensors is a `List[Tensor]`).
c10::TypePtr item_type(const c10::IValue& v) {
  return c10::unshapedType(v.type());
}

// The items' unified type, or nullopt when they have none.
std::optional<c10::TypePtr> unified(const ltrs_ivalue* const* items, int64_t n) {
  std::vector<c10::TypePtr> types;
  types.reserve(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) types.push_back(item_type(value_of(items[k])));
  std::ostringstream why_not;
  return c10::unifyTypeList(types, why_not);
}

bool hashable_key(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::StringType:
    case c10::TypeKind::IntType:
    case c10::TypeKind::FloatType:
    case c10::TypeKind::ComplexType:
    case c10::TypeKind::BoolType:
    case c10::TypeKind::TensorType:
    case c10::TypeKind::DeviceObjType:
      return true;
    default:
      return false;
  }
}

const c10::IValue& container(const ltrs_ivalue* h, const char* what) {
  const c10::IValue& v = value_of(h);
  TORCH_CHECK(v.isList() || v.isTuple() || v.isGenericDict(), what, ": a ", v.tagKind(),
              " is not a list, tuple or dict");
  return v;
}

char* malloc_copy(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace

namespace ltrs::jit {

c10::IValue retype(const c10::IValue& v, const c10::TypePtr& want) {
  using c10::TypeKind;
  switch (want->kind()) {
    case TypeKind::OptionalType:
      if (v.isNone()) return v;
      return retype(v, want->expectRef<c10::OptionalType>().getElementType());
    case TypeKind::FloatType:
      if (v.isInt()) return c10::IValue(static_cast<double>(v.toInt()));
      return v;
    case TypeKind::ComplexType:
      if (v.isInt()) return c10::IValue(c10::complex<double>(static_cast<double>(v.toInt()), 0.0));
      if (v.isDouble()) return c10::IValue(c10::complex<double>(v.toDouble(), 0.0));
      return v;
    case TypeKind::ListType: {
      if (!v.isList() || v.type()->isSubtypeOf(*want)) return v;
      const c10::TypePtr& elem = want->expectRef<c10::ListType>().getElementType();
      c10::impl::GenericList out(elem);
      out.reserve(v.toListRef().size());
      for (const c10::IValue& item : v.toListRef()) {
        c10::IValue r = retype(item, elem);
        if (!r.type()->isSubtypeOf(*elem)) return v;
        out.push_back(std::move(r));
      }
      return c10::IValue(std::move(out));
    }
    case TypeKind::TupleType: {
      if (!v.isTuple() || v.type()->isSubtypeOf(*want)) return v;
      const auto& tuple_type = want->expectRef<c10::TupleType>();
      const auto& items = v.toTupleRef().elements();
      if (items.size() != tuple_type.elements().size()) return v;
      std::vector<c10::IValue> out;
      out.reserve(items.size());
      for (size_t k = 0; k < items.size(); ++k) {
        out.push_back(retype(items[k], tuple_type.elements()[k]));
      }
      if (tuple_type.schema()) {
        return c10::IValue(c10::ivalue::Tuple::createNamed(std::move(out), want->expect<c10::TupleType>()));
      }
      return c10::IValue(c10::ivalue::Tuple::create(std::move(out)));
    }
    case TypeKind::DictType: {
      if (!v.isGenericDict() || v.type()->isSubtypeOf(*want)) return v;
      const auto& dict_type = want->expectRef<c10::DictType>();
      c10::impl::GenericDict out(dict_type.getKeyType(), dict_type.getValueType());
      for (const auto& entry : v.toGenericDict()) {
        c10::IValue key = retype(entry.key(), dict_type.getKeyType());
        c10::IValue value = retype(entry.value(), dict_type.getValueType());
        if (!key.type()->isSubtypeOf(*dict_type.getKeyType()) ||
            !value.type()->isSubtypeOf(*dict_type.getValueType())) {
          return v;
        }
        out.insert_or_assign(std::move(key), std::move(value));
      }
      return c10::IValue(std::move(out));
    }
    default:
      return v;
  }
}

}  // namespace ltrs::jit

extern "C" {

void ltrs_ivalue_free(ltrs_ivalue* v) { delete v; }

ltrs_error* ltrs_ivalue_none(ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue()); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_bool(bool b, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(b)); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_int(int64_t i, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(i)); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_double(double d, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(d)); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_complex(double re, double im, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(c10::complex<double>(re, im))); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_string(ltrs_str s, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(ltrs::jit::to_string(s))); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_tensor(ltrs_tensor t, ltrs_ivalue** out) {
  LTRS_TRY { *out = give_value(c10::IValue(ltrs::retain(t))); }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_device(ltrs_device d, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = give_value(c10::IValue(
        c10::Device(static_cast<c10::DeviceType>(d.type), static_cast<c10::DeviceIndex>(d.index))));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_list(const ltrs_ivalue* const* items, int64_t n, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    std::optional<c10::TypePtr> elem = n > 0 ? unified(items, n) : std::nullopt;
    c10::impl::GenericList list(elem ? *elem : c10::AnyType::get());
    list.reserve(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) list.push_back(value_of(items[k]));
    *out = give_value(c10::IValue(std::move(list)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_tuple(const ltrs_ivalue* const* items, int64_t n, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    std::vector<c10::IValue> elems;
    elems.reserve(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) elems.push_back(value_of(items[k]));
    *out = give_value(c10::IValue(c10::ivalue::Tuple::create(std::move(elems))));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_dict(const ltrs_ivalue* const* keys, const ltrs_ivalue* const* values,
                             int64_t n, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    c10::TypePtr key_type = c10::StringType::get();
    c10::TypePtr value_type = c10::AnyType::get();
    if (n > 0) {
      std::optional<c10::TypePtr> k = unified(keys, n);
      TORCH_CHECK(k.has_value() && hashable_key(*k),
                  "dict keys must all be str, int, float, complex, bool, Tensor or device (one "
                  "type for every key); the first key is a ",
                  item_type(value_of(keys[0]))->repr_str());
      key_type = *k;
      value_type = unified(values, n).value_or(c10::AnyType::get());
    }
    c10::impl::GenericDict dict(key_type, value_type);
    dict.reserve(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) dict.insert_or_assign(value_of(keys[k]), value_of(values[k]));
    *out = give_value(c10::IValue(std::move(dict)));
  }
  LTRS_CATCH
}

int32_t ltrs_ivalue_tag(const ltrs_ivalue* h) {
  if (h == nullptr) return LTRS_IVALUE_OTHER;
  const c10::IValue& v = h->value;
  if (v.isNone()) return LTRS_IVALUE_NONE;
  if (v.isBool()) return LTRS_IVALUE_BOOL;
  if (v.isInt()) return LTRS_IVALUE_INT;
  if (v.isDouble()) return LTRS_IVALUE_DOUBLE;
  if (v.isComplexDouble()) return LTRS_IVALUE_COMPLEX;
  if (v.isString()) return LTRS_IVALUE_STRING;
  if (v.isTensor()) return LTRS_IVALUE_TENSOR;
  if (v.isList()) return LTRS_IVALUE_LIST;
  if (v.isTuple()) return LTRS_IVALUE_TUPLE;
  if (v.isGenericDict()) return LTRS_IVALUE_DICT;
  if (v.isDevice()) return LTRS_IVALUE_DEVICE;
  return LTRS_IVALUE_OTHER;
}

ltrs_error* ltrs_ivalue_type_name(const ltrs_ivalue* h, char** out) {
  LTRS_TRY {
    *out = nullptr;
    const c10::IValue& v = value_of(h);
    std::string name;
    try {
      name = v.type()->repr_str();
    } catch (const std::exception&) {
      name = v.tagKind();  // values without a TorchScript type (a PyObject, a capsule)
    }
    *out = malloc_copy(name);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_bool(const ltrs_ivalue* h, bool* out) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isBool(), "expected a bool, found a ", v.tagKind());
    *out = v.toBool();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_int(const ltrs_ivalue* h, int64_t* out) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isInt(), "expected an int, found a ", v.tagKind());
    *out = v.toInt();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_double(const ltrs_ivalue* h, double* out) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isDouble(), "expected a float, found a ", v.tagKind());
    *out = v.toDouble();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_complex(const ltrs_ivalue* h, double* re, double* im) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isComplexDouble(), "expected a complex, found a ", v.tagKind());
    c10::complex<double> z = v.toComplexDouble();
    *re = z.real();
    *im = z.imag();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_str(const ltrs_ivalue* h, ltrs_str* out) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isString(), "expected a str, found a ", v.tagKind());
    const std::string& s = v.toStringRef();
    *out = ltrs_str{s.data(), static_cast<int64_t>(s.size())};
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_tensor(const ltrs_ivalue* h, ltrs_tensor* out) {
  LTRS_TRY {
    *out = nullptr;
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isTensor(), "expected a Tensor, found a ", v.tagKind());
    *out = ltrs::give(v.toTensor());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_to_device(const ltrs_ivalue* h, ltrs_device* out) {
  LTRS_TRY {
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isDevice(), "expected a device, found a ", v.tagKind());
    c10::Device d = v.toDevice();
    *out = ltrs_device{static_cast<int16_t>(d.type()), static_cast<int16_t>(d.index())};
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_len(const ltrs_ivalue* h, int64_t* out) {
  LTRS_TRY {
    const c10::IValue& v = container(h, "len");
    if (v.isList()) {
      *out = static_cast<int64_t>(v.toListRef().size());
    } else if (v.isTuple()) {
      *out = static_cast<int64_t>(v.toTupleRef().elements().size());
    } else {
      *out = static_cast<int64_t>(v.toGenericDict().size());
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_get(const ltrs_ivalue* h, int64_t k, ltrs_ivalue** out) {
  LTRS_TRY {
    *out = nullptr;
    const c10::IValue& v = container(h, "get");
    TORCH_CHECK(!v.isGenericDict(), "get: a dict has no positions (use its items)");
    c10::ArrayRef<c10::IValue> items =
        v.isList() ? v.toListRef() : c10::ArrayRef<c10::IValue>(v.toTupleRef().elements());
    TORCH_CHECK(k >= 0 && static_cast<size_t>(k) < items.size(), "get: index ", k,
                " out of range for ", items.size(), " items");
    *out = give_value(items[static_cast<size_t>(k)]);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_ivalue_dict_items(const ltrs_ivalue* h, ltrs_ivalue** keys,
                                   ltrs_ivalue** values) {
  LTRS_TRY {
    *keys = nullptr;
    *values = nullptr;
    const c10::IValue& v = value_of(h);
    TORCH_CHECK(v.isGenericDict(), "dict_items: a ", v.tagKind(), " is not a dict");
    c10::impl::GenericDict dict = v.toGenericDict();
    c10::impl::GenericList ks(dict.keyType());
    c10::impl::GenericList vs(dict.valueType());
    ks.reserve(dict.size());
    vs.reserve(dict.size());
    for (const auto& entry : dict) {
      ks.push_back(entry.key());
      vs.push_back(entry.value());
    }
    auto k_out = std::unique_ptr<ltrs_ivalue>(give_value(c10::IValue(std::move(ks))));
    *values = give_value(c10::IValue(std::move(vs)));
    *keys = k_out.release();
  }
  LTRS_CATCH
}

void ltrs_jit_free(void* p) { std::free(p); }

}  // extern "C"
