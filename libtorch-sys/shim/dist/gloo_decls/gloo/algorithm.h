// Stand-in for Gloo's <gloo/algorithm.h>: see ../README.md. ProcessGroupGloo.hpp names nothing
// declared there.
#pragma once
#include "gloo/context.h"
