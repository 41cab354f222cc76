/* Writing `torch.save`'s container: a zip archive made by PyTorch's own writer
 * (caffe2::serialize::PyTorchStreamWriter, the class Python's torch.save writes with), so the
 * records' layout and 64-byte alignment are exactly Python's. The pickle that goes into it is
 * written on the Rust side (libtorch/src/serialize/). Handwritten; see serialize.cpp. */
#ifndef LTRS_SERIALIZE_H
#define LTRS_SERIALIZE_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An open archive being written (owned; free with ltrs_zip_writer_free). */
typedef struct ltrs_zip_writer ltrs_zip_writer;

/* A writer to the file at `path` (UTF-8, `path_len` bytes); the archive's folder is named after
 * the file, as Python names it. */
ltrs_error* ltrs_zip_writer_open_file(const char* path, int64_t path_len, ltrs_zip_writer** out);
/* A writer to memory (the folder is `archive`, as for Python's io.BytesIO). */
ltrs_error* ltrs_zip_writer_open_buffer(ltrs_zip_writer** out);
/* Writes record `name` (inside the archive's folder) holding `len` bytes at `data`. */
ltrs_error* ltrs_zip_writer_write_record(ltrs_zip_writer* w, ltrs_str name, const void* data,
                                         int64_t len);
/* Writes record `name` holding every byte of `t`'s storage (copied to the CPU first when it
 * lives elsewhere), as torch.save writes a storage. `t` must be a strided tensor. */
ltrs_error* ltrs_zip_writer_write_storage(ltrs_zip_writer* w, ltrs_str name, ltrs_tensor t);
/* Writes the end of the archive (the version and serialization-id records, the central
 * directory). For a buffer writer, `*out_data` then holds the malloc'ed bytes (free with free())
 * and `*out_len` their count; for a file writer both are set to NULL/0. */
ltrs_error* ltrs_zip_writer_finish(ltrs_zip_writer* w, char** out_data, int64_t* out_len);
void ltrs_zip_writer_free(ltrs_zip_writer* w);
void ltrs_serialize_bytes_free(char* data);

#ifdef __cplusplus
}
#endif
#endif
