// DistributedDataParallel's options beyond the plain Reducer: c10d's built-in communication
// hooks (Reducer::register_builtin_comm_hook: AllReduceCommHook, FP16CompressCommHook of
// default_comm_hooks.hpp) and static_graph's first-iteration delayed all-reduce (what
// torch/nn/parallel/distributed.py's _DDPSink queues on the autograd engine). Every function
// used is exported by libtorch_cpu.so (`nm -DC`: c10d::Reducer::register_builtin_comm_hook,
// c10d::Reducer::set_static_graph, c10d::Reducer::delay_all_reduce,
// torch::autograd::Engine::get_default_engine, torch::autograd::Engine::queue_callback).
#include "dist.h"
#include "reducer_handle.h"
#include "support.h"

#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/distributed/c10d/default_comm_hooks.hpp>

#include <memory>

namespace {

const ltrs_reducer& handle_of(const ltrs_reducer* r) {
  TORCH_CHECK(r != nullptr && r->reducer, "a NULL reducer handle");
  return *r;
}

}  // namespace

extern "C" {

ltrs_error* ltrs_reducer_register_builtin_comm_hook(const ltrs_reducer* r, int32_t hook) {
  LTRS_TRY {
    const auto& h = handle_of(r);
    TORCH_CHECK(hook == static_cast<int32_t>(c10d::BuiltinCommHookType::ALLREDUCE) ||
                    hook == static_cast<int32_t>(c10d::BuiltinCommHookType::FP16_COMPRESS),
                "unknown built-in communication hook ", hook);
    h.reducer->register_builtin_comm_hook(static_cast<c10d::BuiltinCommHookType>(hook));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_reducer_static_graph_sink(const ltrs_reducer* r, ltrs_tensor output,
                                           ltrs_tensor* out) {
  LTRS_TRY {
    *out = nullptr;
    const auto& h = handle_of(r);
    at::Tensor y = ltrs::retain(output);
    TORCH_CHECK(y.defined(), "DistributedDataParallel: the module returned an undefined tensor");
    // _post_forward leaves outputs without a grad_fn as they are (pytorch issue 60733).
    if (h.delay_enqueued->load() || !y.grad_fn()) {
      *out = ltrs::give(std::move(y));
      return nullptr;
    }
    at::Tensor sink = y.view_as(y);
    std::weak_ptr<c10d::Reducer> weak = h.reducer;
    std::shared_ptr<std::atomic<bool>> enqueued = h.delay_enqueued;
    // _DDPSink.backward: the first backward through any sink queues reducer._delay_all_reduce,
    // which runs when the autograd engine has finished the whole graph.
    sink.register_hook([weak, enqueued](const at::Tensor&) {
      if (!enqueued->exchange(true)) {
        torch::autograd::Engine::get_default_engine().queue_callback([weak]() {
          if (auto reducer = weak.lock()) reducer->delay_all_reduce();
        });
      }
      return at::Tensor();
    });
    *out = ltrs::give(std::move(sink));
  }
  LTRS_CATCH
}

}  // extern "C"
