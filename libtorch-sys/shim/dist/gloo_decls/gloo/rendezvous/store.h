// Stand-in for Gloo's <gloo/rendezvous/store.h>: see shim/dist/gloo.cpp. ProcessGroupGloo.hpp's
// GlooStore overrides these virtual functions inline; the shim never constructs a GlooStore, so
// none of it is emitted into the shim's object (libtorch-sys/tests/gloo_abi.rs checks it). The
// signatures are Gloo's own (store v2, which the wheel's Gloo has), so the header compiles as it
// did for the wheel.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#define GLOO_STORE_HAS_STORE_V2 1

namespace gloo {
namespace rendezvous {
class Store {
 public:
  virtual ~Store();
  virtual void set(const std::string& key, const std::vector<char>& data) = 0;
  virtual std::vector<char> get(const std::string& key) = 0;
  virtual void wait(const std::vector<std::string>& keys) = 0;
  virtual void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout);
  virtual bool has_v2_support();
  virtual std::vector<std::vector<char>> multi_get(const std::vector<std::string>& keys);
  virtual void multi_set(const std::vector<std::string>& keys,
                         const std::vector<std::vector<char>>& values);
  virtual void append(const std::string& key, const std::vector<char>& data);
  virtual int64_t add(const std::string& key, int64_t value);
};
}  // namespace rendezvous
}  // namespace gloo
