// Stand-in for Gloo's <gloo/algorithm.h>: see shim/dist/gloo.cpp. ProcessGroupGloo.hpp names nothing
// declared there.
#pragma once
#include "gloo/context.h"
