// Stand-in for Gloo's <gloo/common/error.h>: see shim/dist/gloo.cpp. ProcessGroupGloo.hpp names
// nothing declared there.
#pragma once
