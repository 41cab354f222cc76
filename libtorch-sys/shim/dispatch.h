/* Calling any ATen operator by its schema name through the c10 dispatcher (boxed). Handwritten; see dispatch.cpp. */
#ifndef LTRS_DISPATCH_H
#define LTRS_DISPATCH_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ltrs_ivalue_tag {
  LTRS_IV_NONE = 0,       /* None (for any optional argument) */
  LTRS_IV_TENSOR = 1,     /* `t` (borrowed; NULL also means None) */
  LTRS_IV_INT = 2,        /* `i` */
  LTRS_IV_DOUBLE = 3,     /* `f` */
  LTRS_IV_BOOL = 4,       /* `i != 0` */
  LTRS_IV_INT_LIST = 5,   /* `ints[0..len]` */
  LTRS_IV_TENSOR_LIST = 6,/* `tensors[0..len]` (borrowed) */
  LTRS_IV_DEFAULT = 7,    /* the schema's default value for this position */
  LTRS_IV_STRING = 8,     /* `str[0..len]`, UTF-8 */
  LTRS_IV_DOUBLE_LIST = 9,/* `doubles[0..len]` */
  LTRS_IV_DEVICE = 10     /* c10::Device(type `i`, index `len`) */
};

/* One argument of a boxed call: a tag and the fields it names. */
typedef struct {
  int32_t tag;
  int32_t reserved;
  ltrs_tensor t;
  int64_t i;
  double f;
  const int64_t* ints;
  const ltrs_tensor* tensors;
  const char* str;
  const double* doubles;
  int64_t len;
} ltrs_ivalue;

/* Calls `aten::<name>.<overload>` (overload "" for the plain one) with `nargs` positional
 * arguments; missing trailing arguments take the schema's defaults. Every returned tensor (and
 * every element of a returned tensor list) is appended to `*out`, in order; other returned values
 * are dropped. Free `out` with ltrs_tensor_vec_free after taking the tensors. */
ltrs_error* ltrs_dispatch_call(const char* name, const char* overload, const ltrs_ivalue* args,
                               int64_t nargs, ltrs_tensor_vec* out);

/* Whether the schema exists (for tests and feature checks). */
ltrs_error* ltrs_dispatch_has_op(const char* name, const char* overload, bool* out);

#ifdef __cplusplus
}
#endif
#endif
