// Helpers shared by the distributed shims: the handle structs and argument conversions.
#pragma once
#include "dist.h"
#include "support.h"

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct ltrs_store {
  c10::intrusive_ptr<c10d::Store> store;
};

// A Gloo backend (possibly inside c10d::ProcessGroupWrapper), with its rank and size.
struct ltrs_pg {
  c10::intrusive_ptr<c10d::Backend> backend;
  int64_t rank;
  int64_t size;
};

namespace ltrs::dist {

inline std::string to_string(ltrs_str s) {
  TORCH_CHECK(s.data != nullptr || s.len == 0, "a NULL string");
  TORCH_CHECK(s.len >= 0, "a string of negative length");
  return s.data == nullptr ? std::string() : std::string(s.data, static_cast<size_t>(s.len));
}

inline std::chrono::milliseconds millis(int64_t ms) { return std::chrono::milliseconds(ms); }

// The store behind a borrowed handle; a NULL handle is a caller's bug, reported as an error.
inline const c10::intrusive_ptr<c10d::Store>& store_of(const ltrs_store* s) {
  TORCH_CHECK(s != nullptr && s->store, "a NULL store handle");
  return s->store;
}

inline std::vector<uint8_t> bytes_of(const uint8_t* data, int64_t len) {
  TORCH_CHECK(len >= 0 && (data != nullptr || len == 0), "a NULL byte buffer");
  return std::vector<uint8_t>(data, data + len);
}

// Copies `bytes` into a malloc'ed buffer the caller frees with ltrs_dist_free.
inline void give_bytes(const std::vector<uint8_t>& bytes, uint8_t** data, int64_t* len) {
  *data = nullptr;
  *len = static_cast<int64_t>(bytes.size());
  if (bytes.empty()) return;
  auto* buf = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (buf == nullptr) throw std::bad_alloc();
  std::memcpy(buf, bytes.data(), bytes.size());
  *data = buf;
}

}  // namespace ltrs::dist
