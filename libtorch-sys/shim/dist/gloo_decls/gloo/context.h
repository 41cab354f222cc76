// Stand-in for Gloo's <gloo/context.h>: see shim/dist/gloo.cpp. ProcessGroupGloo.hpp holds contexts
// only through std::shared_ptr and calls one method in an inline body this shim never emits.
#pragma once
#include <chrono>

namespace gloo {
class Context {
 public:
  void setTimeout(std::chrono::milliseconds timeout);
};
}  // namespace gloo
