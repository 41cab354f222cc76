// DistributedDataParallel's engine: c10d's own Reducer (bucketed, overlapped gradient all-reduce
// driven by autograd hooks) and broadcast_coalesced, over the Gloo backend of gloo.cpp, behind the
// C ABI of dist.h. Reducer.hpp and comm.hpp include no Gloo header; every function used here is
// exported by libtorch_cpu.so (`nm -DC`: c10d::Reducer::Reducer(...), prepare_for_forward,
// prepare_for_backward, rebuild_buckets, ~Reducer, c10d::compute_bucket_assignment_by_size,
// c10d::verify_params_across_processes, c10d::broadcast_coalesced, c10d::ProcessGroup::
// ProcessGroup(int, int)).
#include "dist.h"
#include "dist_support.h"
#include "reducer_handle.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <limits>
#include <memory>

namespace {

const ltrs_pg& pg_ref(const ltrs_pg* pg) {
  TORCH_CHECK(pg != nullptr && pg->backend, "a NULL process group handle");
  return *pg;
}

c10d::Reducer& reducer_of(const ltrs_reducer* r) {
  TORCH_CHECK(r != nullptr && r->reducer, "a NULL reducer handle");
  return *r->reducer;
}

std::vector<at::Tensor> tensor_vec(ltrs_tensor_list list) {
  TORCH_CHECK(list.len >= 0 && (list.data != nullptr || list.len == 0), "a NULL tensor list");
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(list.len));
  for (int64_t i = 0; i < list.len; ++i) {
    TORCH_CHECK(list.data[i] != nullptr, "an undefined tensor in a tensor list");
    out.push_back(ltrs::retain(list.data[i]));
  }
  return out;
}

// The c10d::ProcessGroup the Reducer and the coalesced broadcast dispatch through (what
// torch.distributed builds around each backend): Gloo for CPU tensors.
c10::intrusive_ptr<c10d::ProcessGroup> group_of(const ltrs_pg& pg) {
  auto group =
      c10::make_intrusive<c10d::ProcessGroup>(static_cast<int>(pg.rank), static_cast<int>(pg.size));
  group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  group->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, pg.backend);
  return group;
}

}  // namespace

extern "C" {

ltrs_error* ltrs_broadcast_coalesced(const ltrs_pg* pg, ltrs_tensor_list tensors,
                                     int64_t buffer_size, int64_t src) {
  LTRS_TRY {
    const auto& p = pg_ref(pg);
    TORCH_CHECK(src >= 0 && src < p.size, "source rank ", src, " is not in the group of ", p.size,
                " ranks");
    TORCH_CHECK(buffer_size > 0, "buffer_size must be positive, got ", buffer_size);
    auto ts = tensor_vec(tensors);
    // Parameters are leaves that require grad: writing them is not part of the graph.
    at::NoGradGuard no_grad;
    c10d::broadcast_coalesced(group_of(p), ts, static_cast<size_t>(buffer_size),
                              static_cast<int>(src));
  }
  LTRS_CATCH
}

void ltrs_reducer_free(ltrs_reducer* r) {
  // ~Reducer removes its autograd hooks; it may throw (noexcept(false)), which is swallowed here.
  try {
    delete r;
  } catch (...) {
  }
}

ltrs_error* ltrs_reducer_new(const ltrs_pg* pg, ltrs_tensor_list params, ltrs_str_list names,
                             int64_t bucket_bytes_cap, bool bucket_cap_is_default,
                             bool find_unused_parameters, bool gradient_as_bucket_view,
                             bool static_graph, ltrs_reducer** out) {
  LTRS_TRY {
    const auto& p = pg_ref(pg);
    TORCH_CHECK(bucket_bytes_cap > 0, "bucket_cap_mb must be positive");
    auto ts = tensor_vec(params);
    TORCH_CHECK(!ts.empty(),
                "DistributedDataParallel is not needed when a module has no parameter that "
                "requires gradients");
    TORCH_CHECK(names.len == params.len, "one name per parameter");
    std::unordered_map<size_t, std::string> param_names;
    for (int64_t i = 0; i < names.len; ++i) {
      param_names[static_cast<size_t>(i)] = ltrs::dist::to_string(names.data[i]);
    }
    auto group = group_of(p);
    // DistributedDataParallel.__init__: the same parameter shapes on every rank, ...
    c10d::verify_params_across_processes(group, ts, std::nullopt);
    // ... then the bucket assignment of _ddp_init_helper: a single bucket for the first
    // iteration unless unused parameters are looked for without a static graph (the Reducer
    // rebuilds the buckets in the order gradients arrived, after the first backward), reversed
    // to approximate that order.
    std::vector<size_t> limits;
    if (static_graph || !find_unused_parameters) {
      limits = {std::numeric_limits<size_t>::max()};
    } else if (bucket_cap_is_default) {
      limits = {static_cast<size_t>(c10d::kDefaultFirstBucketBytes),
                static_cast<size_t>(bucket_bytes_cap)};
    } else {
      limits = {static_cast<size_t>(bucket_bytes_cap)};
    }
    std::vector<bool> expect_sparse(ts.size(), false);
    auto assignment = c10d::compute_bucket_assignment_by_size(ts, limits, expect_sparse);
    auto buckets = std::get<0>(assignment);
    std::reverse(buckets.begin(), buckets.end());
    auto reducer = std::make_shared<c10d::Reducer>(
        ts, std::move(buckets), group, expect_sparse, bucket_bytes_cap, find_unused_parameters,
        gradient_as_bucket_view, std::move(param_names),
        bucket_cap_is_default ? static_cast<int64_t>(c10d::kDefaultFirstBucketBytes)
                              : bucket_bytes_cap,
        /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
        std::vector<int64_t>{});
    // DistributedDataParallel._set_static_graph, right after the Reducer is built.
    if (static_graph) reducer->set_static_graph();
    auto handle = std::make_unique<ltrs_reducer>();
    handle->group = std::move(group);
    handle->reducer = std::move(reducer);
    *out = handle.release();
  }
  LTRS_CATCH
}

ltrs_error* ltrs_reducer_prepare_for_forward(const ltrs_reducer* r) {
  LTRS_TRY { reducer_of(r).prepare_for_forward(); }
  LTRS_CATCH
}

ltrs_error* ltrs_reducer_rebuild_buckets(const ltrs_reducer* r, bool* out) {
  LTRS_TRY { *out = reducer_of(r).rebuild_buckets(); }
  LTRS_CATCH
}

ltrs_error* ltrs_reducer_prepare_for_backward(const ltrs_reducer* r, ltrs_tensor_list outputs) {
  LTRS_TRY { reducer_of(r).prepare_for_backward(tensor_vec(outputs)); }
  LTRS_CATCH
}

}  // extern "C"
