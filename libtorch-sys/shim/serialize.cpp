// torch.save's zip container, written by PyTorch's own PyTorchStreamWriter. See serialize.h.
#include "serialize.h"

#include "support.h"

#include <ATen/ops/empty.h>
#include <caffe2/serialize/inline_container.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

struct ltrs_zip_writer {
  std::vector<char> buffer;  // the bytes written, for a buffer writer
  bool to_buffer = false;
  std::unique_ptr<caffe2::serialize::PyTorchStreamWriter> writer;
};

extern "C" {

ltrs_error* ltrs_zip_writer_open_file(const char* path, int64_t path_len, ltrs_zip_writer** out) {
  LTRS_TRY {
    *out = nullptr;
    auto w = std::make_unique<ltrs_zip_writer>();
    w->writer = std::make_unique<caffe2::serialize::PyTorchStreamWriter>(std::string(path, path_len));
    *out = w.release();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_zip_writer_open_buffer(ltrs_zip_writer** out) {
  LTRS_TRY {
    *out = nullptr;
    auto w = std::make_unique<ltrs_zip_writer>();
    w->to_buffer = true;
    std::vector<char>* buf = &w->buffer;
    w->writer = std::make_unique<caffe2::serialize::PyTorchStreamWriter>(
        [buf](const void* data, size_t n) -> size_t {
          const char* p = static_cast<const char*>(data);
          buf->insert(buf->end(), p, p + n);
          return n;
        });
    *out = w.release();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_zip_writer_write_record(ltrs_zip_writer* w, ltrs_str name, const void* data,
                                         int64_t len) {
  LTRS_TRY {
    TORCH_CHECK(len >= 0, "save: a record of ", len, " bytes");
    w->writer->writeRecord(std::string(name.data, name.len), data, static_cast<size_t>(len));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_zip_writer_write_storage(ltrs_zip_writer* w, ltrs_str name, ltrs_tensor t) {
  LTRS_TRY {
    ltrs::Borrowed b(t);
    const at::Tensor& tensor = b;
    TORCH_CHECK(tensor.defined(), "save: an undefined tensor");
    TORCH_CHECK(tensor.layout() == at::kStrided, "save: a ", tensor.layout(),
                " tensor has no single storage to write");
    const c10::Storage& storage = tensor.storage();
    size_t n = storage.nbytes();
    std::string record(name.data, name.len);
    if (storage.device().is_cpu()) {
      w->writer->writeRecord(record, storage.data(), n);
    } else {
      // As torch.save: the storage's bytes, copied to the CPU.
      at::Tensor bytes = at::empty({0},
                                   at::TensorOptions().dtype(at::kByte).device(storage.device()));
      bytes.set_(storage, 0, {static_cast<int64_t>(n)}, {1});
      at::Tensor cpu = bytes.cpu();
      w->writer->writeRecord(record, cpu.const_data_ptr(), n);
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_zip_writer_finish(ltrs_zip_writer* w, char** out_data, int64_t* out_len) {
  LTRS_TRY {
    *out_data = nullptr;
    *out_len = 0;
    w->writer->writeEndOfFile();
    if (w->to_buffer) {
      char* data = static_cast<char*>(std::malloc(w->buffer.empty() ? 1 : w->buffer.size()));
      TORCH_CHECK(data != nullptr, "save: out of memory");
      if (!w->buffer.empty()) std::memcpy(data, w->buffer.data(), w->buffer.size());
      *out_data = data;
      *out_len = static_cast<int64_t>(w->buffer.size());
    }
  }
  LTRS_CATCH
}

// The writer's destructor finishes an unfinished archive and may throw: swallow that, as a
// free must not fail (the archive of a failed save is incomplete anyway).
void ltrs_zip_writer_free(ltrs_zip_writer* w) {
  try {
    delete w;
  } catch (...) {
  }
}

void ltrs_serialize_bytes_free(char* data) { std::free(data); }

}  // extern "C"
