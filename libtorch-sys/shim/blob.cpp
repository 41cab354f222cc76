// Tensors over memory they keep alive (blob.h): at::for_blob with a context and its deleter, the
// way PyTorch's own from_blob with a deleter keeps foreign memory (numpy arrays, DLPack).
#include "blob.h"

#include "support.h"

#include <ATen/ops/from_blob.h>

#include <memory>

extern "C" {

ltrs_error* ltrs_tensor_from_blob_owned(ltrs_tensor* out, void* data, const int64_t* shape,
                                        int64_t ndim, int32_t kind, ltrs_blob_deleter deleter,
                                        void* ctx) {
  // Owned from the first statement: every exit below, thrown or returned, either hands `ctx` to
  // the tensor's storage or runs the deleter (through this unique_ptr or the maker's). Without a
  // deleter there is nothing to call (and the check below fails).
  std::unique_ptr<void, ltrs_blob_deleter> owner(deleter != nullptr ? ctx : nullptr, deleter);
  LTRS_TRY {
    TORCH_CHECK(deleter != nullptr && ctx != nullptr, "from_blob_owned: no deleter or context");
    TORCH_CHECK(kind >= 0 && kind < static_cast<int32_t>(c10::ScalarType::NumOptions),
                "from_blob_owned: invalid dtype code ", kind);
    TORCH_CHECK(ndim >= 0, "from_blob_owned: negative ndim ", ndim);
    auto options = at::TensorOptions().dtype(static_cast<c10::ScalarType>(kind)).device(at::kCPU);
    auto maker = at::for_blob(data, at::IntArrayRef(shape, ndim));
    maker.context(owner.release(), deleter).options(options);
    *out = ltrs::give(maker.make_tensor());
  }
  LTRS_CATCH
}

}  // extern "C"
