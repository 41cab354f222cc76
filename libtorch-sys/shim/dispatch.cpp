// Boxed calls of operators by name: `libtorch::nn::dispatch`, the escape hatch for operators
// the generated per-operator shims lack (custom ones); the safe crate itself does not use it.
#include "dispatch.h"

#include "support.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

c10::IValue to_ivalue(const ltrs_ivalue& a) {
  switch (a.tag) {
    case LTRS_IV_NONE:
      return c10::IValue();
    case LTRS_IV_TENSOR:
      if (a.t == nullptr) return c10::IValue();
      return c10::IValue(ltrs::retain(a.t));
    case LTRS_IV_INT:
      return c10::IValue(a.i);
    case LTRS_IV_DOUBLE:
      return c10::IValue(a.f);
    case LTRS_IV_BOOL:
      return c10::IValue(a.i != 0);
    case LTRS_IV_INT_LIST:
      return c10::IValue(std::vector<int64_t>(a.ints, a.ints + a.len));
    case LTRS_IV_DOUBLE_LIST:
      return c10::IValue(std::vector<double>(a.doubles, a.doubles + a.len));
    case LTRS_IV_TENSOR_LIST: {
      std::vector<at::Tensor> v;
      v.reserve(a.len);
      for (int64_t k = 0; k < a.len; ++k) v.push_back(ltrs::retain(a.tensors[k]));
      return c10::IValue(v);
    }
    case LTRS_IV_DEVICE:
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(a.i),
                                     static_cast<c10::DeviceIndex>(a.len)));
    case LTRS_IV_STRING:
      return c10::IValue(std::string(a.str, a.len));
    default:
      TORCH_CHECK(false, "dispatch: unknown argument tag ", a.tag);
  }
}

void collect(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) out.push_back(t);
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) collect(e, out);
  }
}

}  // namespace

extern "C" {

ltrs_error* ltrs_dispatch_call(const char* name, const char* overload, const ltrs_ivalue* args,
                               int64_t nargs, ltrs_tensor_vec* out) {
  LTRS_TRY {
    out->data = nullptr;
    out->len = 0;
    auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    const c10::FunctionSchema& schema = handle.schema();
    const auto& params = schema.arguments();
    TORCH_CHECK(nargs >= 0 && static_cast<size_t>(nargs) <= params.size(), name,
                ": takes at most ", params.size(), " arguments, got ", nargs);
    torch::jit::Stack stack;
    stack.reserve(params.size());
    for (size_t k = 0; k < params.size(); ++k) {
      if (k < static_cast<size_t>(nargs) && args[k].tag != LTRS_IV_DEFAULT) {
        stack.push_back(to_ivalue(args[k]));
      } else {
        const auto& d = params[k].default_value();
        TORCH_CHECK(d.has_value(), name, ": argument `", params[k].name(),
                    "` has no default and was not given");
        stack.push_back(*d);
      }
    }
    handle.callBoxed(stack);
    std::vector<at::Tensor> results;
    for (const auto& v : stack) collect(v, results);
    if (!results.empty()) {
      auto* data = static_cast<ltrs_tensor*>(std::malloc(sizeof(ltrs_tensor) * results.size()));
      TORCH_CHECK(data != nullptr, "dispatch: out of memory");
      for (size_t k = 0; k < results.size(); ++k) data[k] = ltrs::give(std::move(results[k]));
      out->data = data;
      out->len = static_cast<int64_t>(results.size());
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_dispatch_has_op(const char* name, const char* overload, bool* out) {
  LTRS_TRY { *out = c10::Dispatcher::singleton().findSchema({name, overload}).has_value(); }
  LTRS_CATCH
}

}  // extern "C"
