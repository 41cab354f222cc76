/* Tensors over memory that the tensor keeps alive: a caller-owned buffer (a file mapping, a heap
 * block) handed to libtorch together with a deleter that libtorch calls when the last tensor
 * using it is freed. Handwritten; see blob.cpp. */
#ifndef LTRS_BLOB_H
#define LTRS_BLOB_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called once with the context when the memory is no longer used; from any thread. It must not
 * unwind (a C++ exception or a Rust panic crossing it aborts the process). */
typedef void (*ltrs_blob_deleter)(void* ctx);

/* A CPU tensor of dtype `kind` viewing `data` (`shape`, `ndim`; contiguous), which must stay
 * valid, and not be freed by anyone else, for as long as the tensor's storage lives. The
 * storage is exactly the tensor's bytes and cannot be resized.
 *
 * Ownership of `ctx` (not NULL) passes to this call: `deleter(ctx)` runs exactly once, when the
 * storage is freed (the last tensor or view using it dropped), or before this function returns
 * if it fails. */
ltrs_error* ltrs_tensor_from_blob_owned(ltrs_tensor* out, void* data, const int64_t* shape,
                                        int64_t ndim, int32_t kind, ltrs_blob_deleter deleter,
                                        void* ctx);

#ifdef __cplusplus
}
#endif
#endif
