// state_dict files: a c10::Dict<str, Tensor> written with torch::jit::pickle_save, which produces
// the zip archive that Python's torch.load reads.
#include "serialize.h"

#include "support.h"

#include <ATen/core/Dict.h>
#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

struct ltrs_named_tensors {
  std::vector<std::pair<std::string, at::Tensor>> items;
};

namespace {

std::vector<char> save_to_bytes(const ltrs_str* names, const ltrs_tensor* tensors, int64_t n) {
  c10::Dict<std::string, at::Tensor> dict;
  for (int64_t k = 0; k < n; ++k) {
    at::Tensor t = ltrs::retain(tensors[k]);
    TORCH_CHECK(t.defined(), "save: the tensor for `", std::string(names[k].data, names[k].len),
                "` is undefined");
    dict.insert_or_assign(std::string(names[k].data, names[k].len), t);
  }
  return torch::jit::pickle_save(c10::IValue(dict));
}

// torch::jit::pickle_load, with `map_location`: the same reader and archive layout ("data.pkl"
// plus "data/N" records, under the zip's top folder), and a device for every storage.
c10::IValue unpickle(const std::vector<char>& bytes, const ltrs_device* map_location) {
  std::optional<at::Device> device;
  if (map_location != nullptr) {
    device = at::Device(static_cast<c10::DeviceType>(map_location->type), map_location->index);
  }
  caffe2::serialize::PyTorchStreamReader reader(
      std::make_shared<caffe2::serialize::MemoryReadAdapter>(bytes.data(),
                                                             static_cast<off_t>(bytes.size())));
  return torch::jit::readArchiveAndTensors("data", /*pickle_prefix=*/"", /*tensor_prefix=*/"",
                                           /*type_resolver=*/std::nullopt,
                                           /*obj_loader=*/std::nullopt, device, reader);
}

ltrs_named_tensors* load_from_bytes(const std::vector<char>& bytes,
                                    const ltrs_device* map_location) {
  c10::IValue v = unpickle(bytes, map_location);
  TORCH_CHECK(v.isGenericDict(), "load: the file holds a ", v.tagKind(),
              ", not a dict of tensors");
  auto out = std::make_unique<ltrs_named_tensors>();
  for (const auto& entry : v.toGenericDict()) {
    TORCH_CHECK(entry.key().isString(), "load: a key is a ", entry.key().tagKind(),
                ", not a string");
    TORCH_CHECK(entry.value().isTensor(), "load: the value of `", entry.key().toStringRef(),
                "` is a ", entry.value().tagKind(), ", not a tensor");
    out->items.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
  }
  return out.release();
}

}  // namespace

extern "C" {

ltrs_error* ltrs_serialize_save(const char* path, int64_t path_len, const ltrs_str* names,
                                const ltrs_tensor* tensors, int64_t n) {
  LTRS_TRY {
    std::vector<char> bytes = save_to_bytes(names, tensors, n);
    std::string p(path, path_len);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    TORCH_CHECK(f.good(), "save: cannot open `", p, "` for writing");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    TORCH_CHECK(f.good(), "save: writing `", p, "` failed");
  }
  LTRS_CATCH
}

ltrs_error* ltrs_serialize_save_bytes(const ltrs_str* names, const ltrs_tensor* tensors, int64_t n,
                                      char** out_data, int64_t* out_len) {
  LTRS_TRY {
    *out_data = nullptr;
    *out_len = 0;
    std::vector<char> bytes = save_to_bytes(names, tensors, n);
    char* data = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    TORCH_CHECK(data != nullptr, "save: out of memory");
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
    *out_data = data;
    *out_len = static_cast<int64_t>(bytes.size());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_serialize_load(const char* path, int64_t path_len, const ltrs_device* map_location,
                                ltrs_named_tensors** out) {
  LTRS_TRY {
    *out = nullptr;
    std::string p(path, path_len);
    std::ifstream f(p, std::ios::binary);
    TORCH_CHECK(f.good(), "load: cannot open `", p, "`");
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    *out = load_from_bytes(bytes, map_location);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_serialize_load_bytes(const char* data, int64_t len,
                                      const ltrs_device* map_location, ltrs_named_tensors** out) {
  LTRS_TRY {
    *out = nullptr;
    std::vector<char> bytes(data, data + len);
    *out = load_from_bytes(bytes, map_location);
  }
  LTRS_CATCH
}

int64_t ltrs_named_tensors_len(const ltrs_named_tensors* m) {
  return static_cast<int64_t>(m->items.size());
}

const char* ltrs_named_tensors_name(const ltrs_named_tensors* m, int64_t k) {
  return m->items[static_cast<size_t>(k)].first.c_str();
}

ltrs_tensor ltrs_named_tensors_tensor(const ltrs_named_tensors* m, int64_t k) {
  // Copying an at::Tensor only bumps an atomic count: cannot throw.
  return ltrs::give(m->items[static_cast<size_t>(k)].second);
}

void ltrs_named_tensors_free(ltrs_named_tensors* m) { delete m; }

void ltrs_serialize_bytes_free(char* data) { std::free(data); }

}  // extern "C"
