/* The C ABI between Rust and libtorch (handwritten; the generated shims follow it too).
 *
 * Conventions, relied on by libtorch-sys/src/abi.rs (which mirrors every type here):
 * - Every function that can fail returns `ltrs_error*`: NULL on success, else an error object the
 *   caller frees with ltrs_error_free. No C++ exception ever leaves a function declared here.
 * - Results come back through out-pointers, in the same call.
 * - A tensor crosses as `ltrs_tensor`, the bare `c10::TensorImpl*` of an `at::Tensor` (one
 *   intrusive pointer, no heap box). An argument is borrowed (reference count untouched); a result
 *   owns one reference, released with ltrs_tensor_free. NULL stands for an undefined tensor
 *   (and for None where the schema says `Tensor?`).
 * - Optional values carry their own "absent" encoding, documented per type below.
 */
#ifndef LTRS_H
#define LTRS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ltrs_tensor_impl* ltrs_tensor;
typedef struct ltrs_error ltrs_error;
/* A `c10::GeneratorImpl*` (owning one reference when returned); NULL = default generator. */
typedef struct ltrs_generator_impl* ltrs_generator;
/* A `c10::StorageImpl*` (owning one reference when returned). */
typedef struct ltrs_storage_impl* ltrs_storage;

enum ltrs_scalar_tag {
  LTRS_SCALAR_NONE = 0, /* only meaningful for `Scalar?` */
  LTRS_SCALAR_INT = 1,
  LTRS_SCALAR_FLOAT = 2,
  LTRS_SCALAR_BOOL = 3,
  LTRS_SCALAR_COMPLEX = 4,
};

/* A `c10::Scalar` by value: built on the stack on the C++ side, no allocation. */
typedef struct {
  int32_t tag;
  int32_t reserved;
  union {
    int64_t i;
    double f;
    bool b;
    double c[2]; /* re, im */
  } v;
} ltrs_scalar;

/* Lists are (pointer, length) views of caller memory. `data == NULL && len < 0` is None. */
typedef struct { const int64_t* data; int64_t len; } ltrs_int_list;
typedef struct { const double* data; int64_t len; } ltrs_float_list;
typedef struct { const ltrs_scalar* data; int64_t len; } ltrs_scalar_list;
/* For `Tensor?[]` an element may be NULL (None). */
typedef struct { const ltrs_tensor* data; int64_t len; } ltrs_tensor_list;
/* UTF-8, not NUL-terminated. `data == NULL` is None. */
typedef struct { const char* data; int64_t len; } ltrs_str;
typedef struct { const ltrs_str* data; int64_t len; } ltrs_str_list;

/* Optionals of plain values. */
typedef struct { int64_t value; bool some; } ltrs_opt_int;
typedef struct { double value; bool some; } ltrs_opt_float;
/* bool?: -1 None, 0 false, 1 true. */
typedef int8_t ltrs_opt_bool;

/* c10::DeviceType code and index (-1 = default index). `type < 0` is None for `Device?`. */
typedef struct { int16_t type; int16_t index; } ltrs_device;
/* c10::Stream, as its stream id, device index and device type. */
typedef struct { int64_t id; int16_t device_index; int16_t device_type; } ltrs_stream;

/* ScalarType, Layout, MemoryFormat and QScheme cross as their c10 enum codes in an int32_t;
 * -1 is None for the optional forms. */

/* A tensor list returned by libtorch: the array is malloc'ed, every element owns a reference.
 * Free the array (not the tensors) with ltrs_tensor_vec_free after taking the elements. */
typedef struct { ltrs_tensor* data; int64_t len; } ltrs_tensor_vec;

/* ---- errors ---- */
/* The message without the C++ backtrace. Valid until ltrs_error_free. */
const char* ltrs_error_message(const ltrs_error* e);
/* The full message libtorch produced (what()): where in libtorch it was raised and, only if
 * backtraces were on (ltrs_set_cpp_backtraces) when it was raised, the C++ backtrace. */
const char* ltrs_error_full_message(const ltrs_error* e);
void ltrs_error_free(ltrs_error* e);
/* Whether libtorch's errors capture a C++ backtrace. Off unless LTRS_CPP_BACKTRACE is set (to
 * anything but 0) when the program starts: capturing and symbolizing one costs ~1 ms per error.
 * Not thread-safe against errors being raised concurrently; call it before starting threads. */
void ltrs_set_cpp_backtraces(bool on);

/* ---- handles ---- */
void ltrs_tensor_free(ltrs_tensor t);
/* A second owning handle to the same tensor (reference count + 1). NULL stays NULL. */
ltrs_tensor ltrs_tensor_retain(ltrs_tensor t);
void ltrs_tensor_vec_free(ltrs_tensor_vec v);
void ltrs_generator_free(ltrs_generator g);
void ltrs_storage_free(ltrs_storage s);

/* ---- library facts (the handwritten foundation shim) ---- */
/* The libtorch version the shims were compiled against, e.g. "2.11.0" (static storage). */
const char* ltrs_version(void);
ltrs_error* ltrs_get_num_threads(int64_t* out);
ltrs_error* ltrs_set_num_threads(int64_t n);
ltrs_error* ltrs_get_num_interop_threads(int64_t* out);
ltrs_error* ltrs_set_num_interop_threads(int64_t n);
/* Sets the intra-op thread count of the calling thread only (libtorch's threads setting is an
 * OpenMP per-thread value; at::set_num_threads also changes the process-wide default). Fails
 * when libtorch uses no OpenMP, where the count is process-wide. */
ltrs_error* ltrs_set_num_threads_this_thread(int64_t n);
/* Whether this build linked libtorch_cuda (the `cuda` feature). */
bool ltrs_built_with_cuda(void);
ltrs_error* ltrs_cuda_is_available(bool* out);
ltrs_error* ltrs_cuda_device_count(int64_t* out);
/* Waits for every kernel queued on CUDA device `device` to finish (fails in a CPU-only build). */
ltrs_error* ltrs_cuda_synchronize(int64_t device);
ltrs_error* ltrs_manual_seed(uint64_t seed);
/* ---- tensor basics (shim/tensor.cpp) ---- */
ltrs_error* ltrs_tensor_from_data(ltrs_tensor* out, const void* data, int64_t nbytes,
                                  const int64_t* shape, int64_t ndim, int32_t kind);
/* A tensor viewing caller memory without copying; strides NULL = contiguous. */
ltrs_error* ltrs_tensor_from_blob(ltrs_tensor* out, void* data, const int64_t* shape, int64_t ndim,
                                  const int64_t* strides, int32_t kind);
ltrs_error* ltrs_tensor_copy_to(ltrs_tensor t, void* dst, int64_t nbytes, int32_t kind);
ltrs_error* ltrs_tensor_dim(ltrs_tensor t, int64_t* out);
ltrs_error* ltrs_tensor_sizes(ltrs_tensor t, int64_t* buf, int64_t cap);
ltrs_error* ltrs_tensor_strides(ltrs_tensor t, int64_t* buf, int64_t cap);
ltrs_error* ltrs_tensor_numel(ltrs_tensor t, int64_t* out);
ltrs_error* ltrs_tensor_storage_offset(ltrs_tensor t, int64_t* out);
ltrs_error* ltrs_tensor_scalar_type(ltrs_tensor t, int32_t* out);
ltrs_error* ltrs_tensor_device(ltrs_tensor t, ltrs_device* out);
ltrs_error* ltrs_tensor_layout(ltrs_tensor t, int32_t* out);
int32_t ltrs_tensor_layout_of(ltrs_tensor t);
ltrs_error* ltrs_tensor_requires_grad(ltrs_tensor t, bool* out);
ltrs_error* ltrs_tensor_data_ptr(ltrs_tensor t, void** out);
bool ltrs_tensor_is_same(ltrs_tensor a, ltrs_tensor b);
/* The references to `t`'s TensorImpl and to its storage (0 without one); see tensor.cpp. */
void ltrs_tensor_use_counts(ltrs_tensor t, int64_t* impl_refs, int64_t* storage_refs);

/* ---- generators and storages ---- */
ltrs_error* ltrs_generator_new_cpu(ltrs_generator* out, uint64_t seed);
ltrs_error* ltrs_generator_set_seed(ltrs_generator g, uint64_t seed);
ltrs_error* ltrs_generator_seed(ltrs_generator g, uint64_t* out);
ltrs_error* ltrs_tensor_storage(ltrs_tensor t, ltrs_storage* out);
ltrs_error* ltrs_storage_nbytes(ltrs_storage s, int64_t* out);

/* Always fails with a libtorch error (TORCH_CHECK); proves the exception-to-error path. */
ltrs_error* ltrs_test_throw(const char* message);

#ifdef __cplusplus
}
#endif
#endif
