// C++ side of the jit archive's value handles, shared by its sources (not part of the C ABI).
#pragma once
#include "jit.h"
#include "support.h"

#include <ATen/core/ivalue.h>
#include <ATen/core/jit_type.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct ltrs_ivalue {
  c10::IValue value;
};

namespace ltrs::jit {

// A new owned handle to `v`.
inline ltrs_ivalue* give_value(c10::IValue v) {
  return new ltrs_ivalue{std::move(v)};
}

// The value behind a borrowed handle; a NULL handle is a caller's bug, reported as an error.
inline const c10::IValue& value_of(const ltrs_ivalue* v) {
  TORCH_CHECK(v != nullptr, "a NULL value handle");
  return v->value;
}

inline std::string to_string(ltrs_str s) {
  return s.data == nullptr ? std::string() : std::string(s.data, static_cast<size_t>(s.len));
}

// A list of str (names for the Rust side).
inline c10::IValue string_list(const std::vector<std::string>& items) {
  c10::List<std::string> list;
  list.reserve(items.size());
  for (const auto& s : items) list.push_back(s);
  return c10::IValue(std::move(list));
}

// `v` converted to `want` where its values fit but its container types do not (an empty
// `List[Any]` for `List[int]`, a `List[int]` for `List[float]`, an int for `float`); otherwise
// `v` unchanged, so that TorchScript's own check reports the mismatch. Recursion follows the
// nesting of `want`, a type from a schema.
c10::IValue retype(const c10::IValue& v, const c10::TypePtr& want);

}  // namespace ltrs::jit
