// Stand-in for Gloo's <gloo/transport/device.h>: see shim/dist/gloo.cpp. ProcessGroupGloo.hpp holds
// devices and unbound buffers only through std::shared_ptr / std::unique_ptr, so incomplete
// types are all it needs (and all this shim may rely on).
#pragma once

namespace gloo {
namespace transport {
class Device;
class UnboundBuffer;
}  // namespace transport
}  // namespace gloo
