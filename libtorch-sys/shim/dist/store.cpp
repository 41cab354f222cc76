// c10d's key-value stores (TCPStore, FileStore, HashStore, PrefixStore) behind the C ABI of
// dist.h. None of them needs Gloo.
#include "dist.h"
#include "dist_support.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <cstring>

using ltrs::dist::bytes_of;
using ltrs::dist::give_bytes;
using ltrs::dist::millis;
using ltrs::dist::store_of;
using ltrs::dist::to_string;

namespace {

std::vector<std::string> key_list(ltrs_str_list keys) {
  TORCH_CHECK(keys.len >= 0 && (keys.data != nullptr || keys.len == 0), "a NULL key list");
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(keys.len));
  for (int64_t i = 0; i < keys.len; ++i) out.push_back(to_string(keys.data[i]));
  return out;
}

ltrs_store* box(c10::intrusive_ptr<c10d::Store> store) {
  return new ltrs_store{std::move(store)};
}

}  // namespace

extern "C" {

void ltrs_dist_free(void* p) { std::free(p); }

void ltrs_store_free(ltrs_store* s) { delete s; }

ltrs_error* ltrs_tcp_store_new(ltrs_str host, uint16_t port, int64_t world_size, bool is_master,
                               int64_t timeout_ms, bool wait_for_workers, ltrs_store** out) {
  LTRS_TRY {
    TORCH_CHECK(timeout_ms > 0, "the timeout must be positive, got ", timeout_ms, " ms");
    c10d::TCPStoreOptions opts;
    opts.port = port;
    opts.isServer = is_master;
    if (world_size >= 0) opts.numWorkers = static_cast<size_t>(world_size);
    opts.waitWorkers = wait_for_workers;
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    *out = box(c10::make_intrusive<c10d::TCPStore>(to_string(host), opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_tcp_store_port(const ltrs_store* s, uint16_t* out) {
  LTRS_TRY {
    auto* tcp = dynamic_cast<c10d::TCPStore*>(store_of(s).get());
    TORCH_CHECK(tcp != nullptr, "not a TCPStore");
    *out = tcp->getPort();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_file_store_new(ltrs_str path, int64_t world_size, ltrs_store** out) {
  LTRS_TRY {
    TORCH_CHECK(world_size >= -1 && world_size <= INT32_MAX, "world_size out of range: ", world_size);
    *out = box(c10::make_intrusive<c10d::FileStore>(to_string(path), static_cast<int>(world_size)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_hash_store_new(ltrs_store** out) {
  LTRS_TRY { *out = box(c10::make_intrusive<c10d::HashStore>()); }
  LTRS_CATCH
}

ltrs_error* ltrs_prefix_store_new(ltrs_str prefix, const ltrs_store* base, ltrs_store** out) {
  LTRS_TRY { *out = box(c10::make_intrusive<c10d::PrefixStore>(to_string(prefix), store_of(base))); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_clone_handle(const ltrs_store* s, ltrs_store** out) {
  LTRS_TRY { *out = box(store_of(s)); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_set(const ltrs_store* s, ltrs_str key, const uint8_t* data, int64_t len) {
  LTRS_TRY { store_of(s)->set(to_string(key), bytes_of(data, len)); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_get(const ltrs_store* s, ltrs_str key, uint8_t** data, int64_t* len) {
  LTRS_TRY { give_bytes(store_of(s)->get(to_string(key)), data, len); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_add(const ltrs_store* s, ltrs_str key, int64_t amount, int64_t* out) {
  LTRS_TRY { *out = store_of(s)->add(to_string(key), amount); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_compare_set(const ltrs_store* s, ltrs_str key, const uint8_t* expected,
                                   int64_t expected_len, const uint8_t* desired,
                                   int64_t desired_len, uint8_t** data, int64_t* len) {
  LTRS_TRY {
    give_bytes(store_of(s)->compareSet(to_string(key), bytes_of(expected, expected_len),
                                       bytes_of(desired, desired_len)),
               data, len);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_store_delete_key(const ltrs_store* s, ltrs_str key, bool* out) {
  LTRS_TRY { *out = store_of(s)->deleteKey(to_string(key)); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_check(const ltrs_store* s, ltrs_str_list keys, bool* out) {
  LTRS_TRY { *out = store_of(s)->check(key_list(keys)); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_wait(const ltrs_store* s, ltrs_str_list keys, int64_t timeout_ms) {
  LTRS_TRY {
    const auto& store = store_of(s);
    if (timeout_ms < 0) {
      store->wait(key_list(keys));
    } else {
      store->wait(key_list(keys), millis(timeout_ms));
    }
  }
  LTRS_CATCH
}

ltrs_error* ltrs_store_num_keys(const ltrs_store* s, int64_t* out) {
  LTRS_TRY { *out = store_of(s)->getNumKeys(); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_timeout(const ltrs_store* s, int64_t* out_ms) {
  LTRS_TRY { *out_ms = store_of(s)->getTimeout().count(); }
  LTRS_CATCH
}

ltrs_error* ltrs_store_set_timeout(const ltrs_store* s, int64_t timeout_ms) {
  LTRS_TRY {
    TORCH_CHECK(timeout_ms > 0, "the timeout must be positive, got ", timeout_ms, " ms");
    store_of(s)->setTimeout(millis(timeout_ms));
  }
  LTRS_CATCH
}

}  // extern "C"
