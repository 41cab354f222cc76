/* Saving and loading a name -> tensor map in PyTorch's `torch.save` format (a zip archive with a
 * pickled dict), via torch::jit::pickle_save / pickle_load. Handwritten; see serialize.cpp. */
#ifndef LTRS_SERIALIZE_H
#define LTRS_SERIALIZE_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded name -> tensor list (owned; free with ltrs_named_tensors_free). */
typedef struct ltrs_named_tensors ltrs_named_tensors;

/* Writes `{names[k]: tensors[k]}` (a dict of str to Tensor, in order) to the file at `path`
 * (UTF-8, `path_len` bytes). Python reads it with `torch.load(path)`. */
ltrs_error* ltrs_serialize_save(const char* path, int64_t path_len, const ltrs_str* names,
                                const ltrs_tensor* tensors, int64_t n);
/* The same bytes in memory: `*out_data` is malloc'ed (free with free()), `*out_len` bytes. */
ltrs_error* ltrs_serialize_save_bytes(const ltrs_str* names, const ltrs_tensor* tensors, int64_t n,
                                      char** out_data, int64_t* out_len);
/* Reads a file written by ltrs_serialize_save or by Python's `torch.save(dict_of_tensors)`.
 * `map_location` NULL: each tensor on the device it was saved from; else every tensor on that
 * device (`torch.load(map_location=...)`). */
ltrs_error* ltrs_serialize_load(const char* path, int64_t path_len, const ltrs_device* map_location,
                                ltrs_named_tensors** out);
ltrs_error* ltrs_serialize_load_bytes(const char* data, int64_t len,
                                      const ltrs_device* map_location, ltrs_named_tensors** out);
int64_t ltrs_named_tensors_len(const ltrs_named_tensors* m);
/* The k-th name, NUL-terminated, valid until ltrs_named_tensors_free. */
const char* ltrs_named_tensors_name(const ltrs_named_tensors* m, int64_t k);
/* A new owning handle to the k-th tensor. */
ltrs_tensor ltrs_named_tensors_tensor(const ltrs_named_tensors* m, int64_t k);
void ltrs_named_tensors_free(ltrs_named_tensors* m);
void ltrs_serialize_bytes_free(char* data);

#ifdef __cplusplus
}
#endif
#endif
