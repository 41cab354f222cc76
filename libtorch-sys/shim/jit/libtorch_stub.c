/* Compiled by libtorch-sys/build.rs into a shared library whose soname is libtorch.so, and
 * loaded before the first AOTInductor package (shim/jit/aoti.cpp): a package's compiled model
 * lists libtorch.so as needed but uses none of its symbols (they all live in libtorch_cpu,
 * already loaded). The real libtorch.so of a CUDA build of libtorch needs libtorch_cuda and the
 * NVIDIA libraries, which a CPU-only build does not fetch. */
int ltrs_libtorch_stub = 1;
