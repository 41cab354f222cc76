// The state of libtorch's default CPU generator as a byte tensor (torch.get_rng_state /
// torch.set_rng_state), which gradient checkpointing saves and restores so that a recomputed
// forward pass draws the same random numbers.
#include "support.h"

#include <ATen/CPUGeneratorImpl.h>
#include <mutex>

extern "C" {

ltrs_error* ltrs_cpu_rng_get_state(ltrs_tensor* out) {
  LTRS_TRY {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::scoped_lock<std::mutex> lock(gen.mutex());
    *out = ltrs::give(gen.get_state());
  }
  LTRS_CATCH
}

ltrs_error* ltrs_cpu_rng_set_state(ltrs_tensor state) {
  LTRS_TRY {
    ltrs::Borrowed b(state);
    const at::Tensor& s = b;
    TORCH_CHECK(s.defined(), "set_rng_state: the state is undefined");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::scoped_lock<std::mutex> lock(gen.mutex());
    gen.set_state(s);
  }
  LTRS_CATCH
}

}  // extern "C"
