/* TorchScript modules, their values, and AOTInductor packages (handwritten; compiled into the
 * `ltrs_jit` archive on its own, so its heavy headers are not recompiled when the other shims
 * change). Mirrored by libtorch-sys/src/jit.rs. The conventions of ltrs.h hold: every fallible
 * function returns `ltrs_error*`, results come back through out-pointers, tensors cross as bare
 * `TensorImpl*` (borrowed as arguments, owned as results).
 *
 * Loading a TorchScript file runs the model's code, and loading an AOTInductor package loads
 * and runs a compiled shared library: load only trusted files. */
#ifndef LTRS_JIT_H
#define LTRS_JIT_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- values: an owned `c10::IValue` on the heap ---- */
typedef struct ltrs_ivalue ltrs_ivalue;

enum ltrs_ivalue_tag {
  LTRS_IVALUE_NONE = 0,
  LTRS_IVALUE_BOOL = 1,
  LTRS_IVALUE_INT = 2,
  LTRS_IVALUE_DOUBLE = 3,
  LTRS_IVALUE_COMPLEX = 4,
  LTRS_IVALUE_STRING = 5,
  LTRS_IVALUE_TENSOR = 6,
  /* Any list: generic, or specialised to int, float, bool or Tensor elements. */
  LTRS_IVALUE_LIST = 7,
  LTRS_IVALUE_TUPLE = 8,
  LTRS_IVALUE_DICT = 9,
  LTRS_IVALUE_DEVICE = 10,
  /* Anything else (objects, futures, enums, streams, ...): see ltrs_ivalue_type_name. */
  LTRS_IVALUE_OTHER = 11,
};

void ltrs_ivalue_free(ltrs_ivalue* v);
ltrs_error* ltrs_ivalue_none(ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_bool(bool b, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_int(int64_t i, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_double(double d, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_complex(double re, double im, ltrs_ivalue** out);
/* UTF-8, copied. */
ltrs_error* ltrs_ivalue_string(ltrs_str s, ltrs_ivalue** out);
/* Borrowed, shared (the value holds a new reference). NULL is an undefined tensor. */
ltrs_error* ltrs_ivalue_tensor(ltrs_tensor t, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_device(ltrs_device d, ltrs_ivalue** out);
/* Containers copy their (borrowed) items. A list's element type is the items' unified type
 * (`List[int]`, `List[Tensor]`, `List[Optional[int]]`, ...), `Any` when they have none or there
 * are no items; a method call converts an argument to the type its schema declares where the
 * values fit (an empty list for `List[int]`, an int for `float`). A dict's keys must unify to
 * one of str, int, float, complex, bool, Tensor or device; an empty dict is `Dict[str, Any]`. */
ltrs_error* ltrs_ivalue_list(const ltrs_ivalue* const* items, int64_t n, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_tuple(const ltrs_ivalue* const* items, int64_t n, ltrs_ivalue** out);
ltrs_error* ltrs_ivalue_dict(const ltrs_ivalue* const* keys, const ltrs_ivalue* const* values,
                             int64_t n, ltrs_ivalue** out);

/* One of enum ltrs_ivalue_tag. Never fails. */
int32_t ltrs_ivalue_tag(const ltrs_ivalue* v);
/* The TorchScript type, e.g. "__torch__.Point" or "Future[Tensor]" (malloc'ed, NUL-terminated;
 * free with ltrs_jit_free). */
ltrs_error* ltrs_ivalue_type_name(const ltrs_ivalue* v, char** out);
ltrs_error* ltrs_ivalue_to_bool(const ltrs_ivalue* v, bool* out);
ltrs_error* ltrs_ivalue_to_int(const ltrs_ivalue* v, int64_t* out);
ltrs_error* ltrs_ivalue_to_double(const ltrs_ivalue* v, double* out);
ltrs_error* ltrs_ivalue_to_complex(const ltrs_ivalue* v, double* re, double* im);
/* A view of the string, valid while `v` lives. */
ltrs_error* ltrs_ivalue_to_str(const ltrs_ivalue* v, ltrs_str* out);
/* An owning handle (NULL for an undefined tensor). */
ltrs_error* ltrs_ivalue_to_tensor(const ltrs_ivalue* v, ltrs_tensor* out);
ltrs_error* ltrs_ivalue_to_device(const ltrs_ivalue* v, ltrs_device* out);
/* The number of items of a list, tuple or dict. */
ltrs_error* ltrs_ivalue_len(const ltrs_ivalue* v, int64_t* out);
/* Item `k` of a list or tuple, as a new value. */
ltrs_error* ltrs_ivalue_get(const ltrs_ivalue* v, int64_t k, ltrs_ivalue** out);
/* A dict's keys and values, in insertion order, as two new lists. */
ltrs_error* ltrs_ivalue_dict_items(const ltrs_ivalue* v, ltrs_ivalue** keys,
                                   ltrs_ivalue** values);
/* Frees what this header's functions malloc'ed (strings, bytes). */
void ltrs_jit_free(void* p);

/* ---- TorchScript modules: an owned `torch::jit::Module` ---- */
typedef struct ltrs_script_module ltrs_script_module;

/* `torch.jit.load(path, map_location=device)`; `device` NULL keeps the saved devices. */
ltrs_error* ltrs_jit_load(const char* path, int64_t path_len, const ltrs_device* device,
                          ltrs_script_module** out);
/* The same from bytes in memory (copied before loading). */
ltrs_error* ltrs_jit_load_bytes(const char* data, int64_t len, const ltrs_device* device,
                                ltrs_script_module** out);
void ltrs_script_module_free(ltrs_script_module* m);
/* Calls method `name` with positional `args` and keyword arguments (`kw_names[k]` =
 * `kw_values[k]`), all borrowed. Arity, types and defaults are checked against the method's
 * schema by TorchScript, which names the method and the argument in its error. */
ltrs_error* ltrs_script_module_call(const ltrs_script_module* m, ltrs_str name,
                                    const ltrs_ivalue* const* args, int64_t nargs,
                                    const ltrs_str* kw_names, const ltrs_ivalue* const* kw_values,
                                    int64_t nkw, ltrs_ivalue** out);
ltrs_error* ltrs_script_module_has_method(const ltrs_script_module* m, ltrs_str name, bool* out);
/* The module's own methods (not its children's), as a list of str. */
ltrs_error* ltrs_script_module_method_names(const ltrs_script_module* m, ltrs_ivalue** out);
/* Whether any code of the module (every function of its compilation unit) can change state that
 * is not tensor data: an attribute assignment (`self.calls += 1`), or a write to a list, dict or
 * object it reads from an attribute or receives as an argument (`self.seen.append(n)`), found
 * by TorchScript's alias analysis. Calls on such a module must not overlap. */
ltrs_error* ltrs_script_module_mutates_state(const ltrs_script_module* m, bool* out);
/* Every parameter and buffer, in `state_dict()` order (per module: parameters, buffers, then
 * each child), as a list of (str name, Tensor, bool is_parameter) tuples. The tensors are the
 * module's own (shared, not copied). */
ltrs_error* ltrs_script_module_tensors(const ltrs_script_module* m, ltrs_ivalue** out);
/* `module.train(on)` on the module and every child. */
ltrs_error* ltrs_script_module_train(ltrs_script_module* m, bool on);
ltrs_error* ltrs_script_module_is_training(const ltrs_script_module* m, bool* out);
/* `module.to(device)`: parameters and buffers move in place. */
ltrs_error* ltrs_script_module_to(ltrs_script_module* m, ltrs_device device);
/* `module.save(path)`; Python reads it with torch.jit.load. */
ltrs_error* ltrs_script_module_save(const ltrs_script_module* m, const char* path,
                                    int64_t path_len);
/* The same bytes in memory (`*out_data` malloc'ed, free with ltrs_jit_free). */
ltrs_error* ltrs_script_module_save_bytes(const ltrs_script_module* m, char** out_data,
                                          int64_t* out_len);

/* ---- AOTInductor packages: an owned `torch::inductor::AOTIModelPackageLoader` ---- */
typedef struct ltrs_aoti_package ltrs_aoti_package;

/* Loads model `model_name` of the `.pt2` package at `path` (`torch._inductor.aoti_load_package`)
 * with `num_runners` model instances (concurrent runs beyond that wait), on CUDA device
 * `device_index` for a CUDA package (-1: the current one). Fails unless the package's own
 * input checks are on (AOTI_RUNTIME_CHECK_INPUTS, which this archive sets before main).
 * `libtorch_stub` (NUL-terminated, may be NULL) is a library whose soname is libtorch.so, loaded
 * once before the first package: every package's model lists libtorch.so as needed, whose real
 * file needs the NVIDIA libraries in a CUDA build of libtorch (see aoti.cpp). */
ltrs_error* ltrs_aoti_load(const char* path, int64_t path_len, ltrs_str model_name,
                           int64_t num_runners, int16_t device_index, const char* libtorch_stub,
                           ltrs_aoti_package** out);
void ltrs_aoti_free(ltrs_aoti_package* p);
/* Runs the model on `inputs` (borrowed); the outputs are a malloc'ed array of owned handles
 * (free the array with ltrs_tensor_vec_free). */
ltrs_error* ltrs_aoti_run(const ltrs_aoti_package* p, const ltrs_tensor* inputs, int64_t n,
                          ltrs_tensor_vec* out);
/* The package's metadata (AOTI_DEVICE_KEY, AOTI_CPU_ISA, user entries) as a dict of str. */
ltrs_error* ltrs_aoti_metadata(const ltrs_aoti_package* p, ltrs_ivalue** out);
/* The original names of the constants (weights) compiled into the model, as a list of str. */
ltrs_error* ltrs_aoti_constant_names(const ltrs_aoti_package* p, ltrs_ivalue** out);

#ifdef __cplusplus
}
#endif
#endif
