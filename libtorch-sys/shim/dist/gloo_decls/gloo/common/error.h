// Stand-in for Gloo's <gloo/common/error.h>: see ../../README.md. ProcessGroupGloo.hpp names
// nothing declared there.
#pragma once
