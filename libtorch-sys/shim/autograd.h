/* Autograd and the handwritten tensor extras used by the safe crate (shim/autograd.cpp,
 * shim/extras.cpp). Same conventions as ltrs.h: fallible functions return ltrs_error* (NULL on
 * success), tensors are borrowed as arguments and owned as results. */
#ifndef LTRS_AUTOGRAD_H
#define LTRS_AUTOGRAD_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors made on the Rust side (returned from callbacks) ---- */
/* A new error holding a copy of `len` bytes of UTF-8 `msg`; never NULL. */
ltrs_error* ltrs_error_new(const char* msg, int64_t len);

/* ---- grad mode and anomaly mode (thread-local / global, as in libtorch) ---- */
bool ltrs_grad_mode_is_enabled(void);
void ltrs_grad_mode_set_enabled(bool enabled);
bool ltrs_anomaly_mode_is_enabled(void);
void ltrs_anomaly_mode_set_enabled(bool enabled);

/* ---- autograd on tensors ---- */
/* `t.requires_grad_(b)`: changes the tensor itself (every handle to it sees the change). */
ltrs_error* ltrs_tensor_set_requires_grad(ltrs_tensor t, bool requires_grad);
/* `t.grad` (NULL if none). */
ltrs_error* ltrs_tensor_grad(ltrs_tensor t, ltrs_tensor* out);
/* `t.grad = g` (g NULL: `t.grad = None`). */
ltrs_error* ltrs_tensor_set_grad(ltrs_tensor t, ltrs_tensor g);
/* Detaches `t.grad` from its graph and fills it with zeros, when there is one. */
ltrs_error* ltrs_tensor_zero_grad(ltrs_tensor t);
/* Whether `t` has a grad_fn (is the output of a recorded operation). */
ltrs_error* ltrs_tensor_has_grad_fn(ltrs_tensor t, bool* out);
/* The name of `t.grad_fn` (e.g. "MulBackward0"); writes at most cap-1 bytes + NUL, "" if none. */
ltrs_error* ltrs_tensor_grad_fn_name(ltrs_tensor t, char* buf, int64_t cap);

/* torch::autograd::backward. grad_tensors: empty list or one (nullable) per tensor.
 * retain_graph: -1 None (= create_graph), 0 false, 1 true. */
ltrs_error* ltrs_autograd_backward(ltrs_tensor_list tensors, ltrs_tensor_list grad_tensors,
                                   ltrs_opt_bool retain_graph, bool create_graph);
/* torch::autograd::grad; `out` gets one tensor per input (NULL where unused and allow_unused). */
ltrs_error* ltrs_autograd_grad(ltrs_tensor_list outputs, ltrs_tensor_list inputs,
                               ltrs_tensor_list grad_outputs, ltrs_opt_bool retain_graph,
                               bool create_graph, bool allow_unused, ltrs_tensor_vec* out);

/* ---- custom autograd functions implemented by the caller ---- */
/* An opaque collector of result tensors; ltrs_tensor_sink_push takes ownership of `t`. */
typedef struct ltrs_tensor_sink ltrs_tensor_sink;
void ltrs_tensor_sink_push(ltrs_tensor_sink* sink, ltrs_tensor t);
/* A torch::autograd::AutogradContext, valid during one callback. */
typedef struct ltrs_autograd_ctx ltrs_autograd_ctx;
ltrs_error* ltrs_autograd_ctx_save_for_backward(ltrs_autograd_ctx* ctx, ltrs_tensor_list ts);
ltrs_error* ltrs_autograd_ctx_saved_tensors(ltrs_autograd_ctx* ctx, ltrs_tensor_vec* out);
ltrs_error* ltrs_autograd_ctx_mark_non_differentiable(ltrs_autograd_ctx* ctx, ltrs_tensor_list ts);
ltrs_error* ltrs_autograd_ctx_needs_input_grad(ltrs_autograd_ctx* ctx, int64_t i, bool* out);

/* The callbacks: `forward` gets the inputs and pushes its outputs into `sink` (it runs with grad
 * mode off, as PyTorch runs custom forwards); `backward` gets one gradient per output and pushes
 * one gradient per input (NULL for none). Both return NULL or an error made by ltrs_error_new and
 * must not unwind. `drop` releases `data` when the graph node dies (exactly once). */
typedef struct {
  ltrs_error* (*forward)(void* data, ltrs_autograd_ctx* ctx, const ltrs_tensor* inputs, int64_t n,
                         ltrs_tensor_sink* sink);
  ltrs_error* (*backward)(void* data, ltrs_autograd_ctx* ctx, const ltrs_tensor* grads, int64_t n,
                          ltrs_tensor_sink* sink);
  void (*drop)(void* data);
} ltrs_function_vtable;

/* Applies a custom function to `inputs`. `data` is released through vtable.drop in every case
 * (also on error). */
ltrs_error* ltrs_function_apply(ltrs_function_vtable vtable, void* data, ltrs_tensor_list inputs,
                                ltrs_tensor_vec* out);

/* ---- multi-dimensional indexing (shim/extras.cpp) ---- */
enum ltrs_index_tag {
  LTRS_INDEX_INT = 0,      /* start: the index */
  LTRS_INDEX_SLICE = 1,    /* start/stop optional (has_*), step */
  LTRS_INDEX_NONE = 2,     /* None / newaxis */
  LTRS_INDEX_ELLIPSIS = 3, /* ... */
  LTRS_INDEX_TENSOR = 4,   /* tensor: bool mask or integer indices */
  LTRS_INDEX_BOOL = 5,     /* start != 0: True / False */
};
typedef struct {
  int32_t tag;
  bool has_start;
  bool has_stop;
  int64_t start;
  int64_t stop;
  int64_t step;
  ltrs_tensor tensor;
} ltrs_index;
/* `t[indices]` (a view where PyTorch returns one). */
ltrs_error* ltrs_tensor_index_multi(ltrs_tensor t, const ltrs_index* idx, int64_t n,
                                    ltrs_tensor* out);
/* `t[indices] = value` (value broadcast). */
ltrs_error* ltrs_tensor_index_put_multi(ltrs_tensor t, const ltrs_index* idx, int64_t n,
                                        ltrs_tensor value);

/* A number as Python passes it where a Tensor is expected: a 0-dim tensor flagged as a wrapped
 * number (type promotion treats it as a Python number). */
ltrs_error* ltrs_wrapped_number(ltrs_scalar s, ltrs_tensor* out);

/* ---- conversions (shim/extras.cpp); kind -1 keeps the dtype ---- */
/* `t.to(kind, device)` (copy only when needed); kind -1 keeps the dtype. */
ltrs_error* ltrs_tensor_to_opts(ltrs_tensor t, int32_t kind, ltrs_device dev, ltrs_tensor* out);
ltrs_error* ltrs_tensor_is_contiguous(ltrs_tensor t, bool* out);
/* A blob guard lets a tensor stand for caller memory without pointing at it: the tensor owns a
 * copy, and the guard copies the storage back into the caller's memory when the borrow ends.
 * It holds a weak reference to the tensor's storage: it does not count as a user (so the tensor
 * stays exclusively owned for the operations that need it), and it follows the storage, not the
 * tensor handle, whatever later happens to that handle (set_, set_data, reassignment). */
typedef struct ltrs_blob_guard ltrs_blob_guard;
/* A guard for the storage of `t` (a strided CPU tensor). */
ltrs_error* ltrs_blob_guard_new(ltrs_tensor t, ltrs_blob_guard** out);
/* Copies the first min(len, storage size) bytes of the storage, if it still exists, to `dst`,
 * then frees the guard. */
ltrs_error* ltrs_blob_guard_release(ltrs_blob_guard* g, void* dst, int64_t len);

#ifdef __cplusplus
}
#endif
#endif
