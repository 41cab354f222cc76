// The Gloo process group (c10d::ProcessGroupGloo) and its collectives behind the C ABI of
// dist.h.
//
// # Why compiling against ProcessGroupGloo.hpp without Gloo's headers is ABI-safe
//
// The pinned wheel (torch 2.11.0, git_version 70d99e998b49) ships c10d's headers but not
// Gloo's, which ProcessGroupGloo.hpp includes. Gloo itself is linked statically into
// libtorch_cpu.so (its `gloo::` code is there; `nm -DC libtorch_cpu.so` lists the c10d entry
// points used below: `c10d::ProcessGroupGloo::ProcessGroupGloo(intrusive_ptr<Store> const&,
// int, int, intrusive_ptr<ProcessGroupGloo::Options>)`, `ProcessGroupGloo::Options::Options(
// milliseconds)`, `ProcessGroupGloo::createDeviceForHostname(string const&, bool)`,
// `createDeviceForInterface(...)`, `createDefaultDevice(bool)`, and the virtual collectives).
// gloo_decls/ holds stand-in headers that declare only the names ProcessGroupGloo.hpp uses, and
// this is sound because:
//
// 1. Every Gloo type appears in ProcessGroupGloo's and Options' layout only behind
//    std::shared_ptr / std::unique_ptr / std::vector of those, whose size does not depend on the
//    pointee. The sizes this compile sees are checked below against the sizes libtorch itself
//    allocates: `objdump -d` of `ProcessGroupGloo::merge` shows `mov $0x1e8,%edi; call operator
//    new` before the constructor call (488 bytes), and of `Options::create_default` shows
//    `mov $0xb0,%edi; call operator new` (176 bytes).
// 2. Nothing of Gloo is emitted into or called from this archive: the shim never constructs a
//    GlooStore (whose inline overrides are the only Gloo-dependent code in the header), never
//    calls a Gloo function, and ProcessGroupGloo's vtable lives in libtorch (its destructor is
//    out of line), so the inline virtuals that touch gloo::Context are libtorch's copies.
//    `nm -C libltrs_dist.a | grep gloo` finds no Gloo function, defined or called: only the
//    standard library's `std::vector<std::shared_ptr<gloo::transport::Device>>::
//    _M_realloc_insert`, which moves shared_ptrs and is the same code whatever Device is
//    (libtorch-sys/tests/gloo_abi.rs checks this on every test run). The static_asserts below
//    stop the build if a libtorch update changes either size.
// 3. The stand-in signatures are Gloo's own at the version the wheel was built with: pytorch/gloo
//    between a735743 (2025-10-21, whose GLOO_LOG_LEVEL string is in libtorch_cpu.so) and
//    3135b0b (2025-12-01; the next commit, 5994546's shared-memory allreduce with its
//    "shared_open %s failed" message, is absent), where <gloo/rendezvous/store.h> defines
//    GLOO_STORE_HAS_STORE_V2 with the virtual functions declared in gloo_decls/.
//
// Only PyTorch 2.11's libtorch was checked this way (the sizes, and the Gloo version its stand-in
// signatures come from). Against another version ProcessGroupGloo is not compiled at all:
// `ltrs_gloo_new` returns an error saying so, and the collectives, which take any c10d::Backend,
// are never reached without a group.
#include "dist.h"
#include "dist_support.h"

#include <torch/headeronly/version.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#if TORCH_VERSION_MINOR == 11
#define LTRS_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupWrapper.hpp>
#endif

#include <cstdlib>
#include <cstring>
#include <sstream>

#ifdef LTRS_GLOO
static_assert(sizeof(c10d::ProcessGroupGloo) == 0x1e8,
              "ProcessGroupGloo's size differs from the one libtorch allocates: the stand-in "
              "Gloo headers no longer match this libtorch");
static_assert(sizeof(c10d::ProcessGroupGloo::Options) == 0xb0,
              "ProcessGroupGloo::Options' size differs from the one libtorch allocates");
#endif

struct ltrs_work {
  c10::intrusive_ptr<c10d::Work> work;
};

using ltrs::dist::millis;
using ltrs::dist::store_of;
using ltrs::dist::to_string;

namespace {

const ltrs_pg& pg_of(const ltrs_pg* pg) {
  TORCH_CHECK(pg != nullptr && pg->backend, "a NULL process group handle");
  return *pg;
}

const ltrs_work& work_of(const ltrs_work* w) {
  TORCH_CHECK(w != nullptr && w->work, "a NULL work handle");
  return *w;
}

at::Tensor tensor(ltrs_tensor t, const char* what) {
  TORCH_CHECK(t != nullptr, what, " is an undefined tensor");
  return ltrs::retain(t);
}

std::vector<at::Tensor> tensors(ltrs_tensor_list list, const char* what) {
  TORCH_CHECK(list.len >= 0 && (list.data != nullptr || list.len == 0), "a NULL tensor list");
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(list.len));
  for (int64_t i = 0; i < list.len; ++i) out.push_back(tensor(list.data[i], what));
  return out;
}

c10d::ReduceOp reduce_op(int32_t op) {
  TORCH_CHECK(op == LTRS_REDUCE_SUM || op == LTRS_REDUCE_AVG || op == LTRS_REDUCE_PRODUCT ||
                  op == LTRS_REDUCE_MIN || op == LTRS_REDUCE_MAX,
              "unknown reduce op code ", op);
  return c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
}

// The group's timeout where the caller gave none (kUnsetTimeout makes Gloo use it too; passing it
// explicitly keeps the meaning in one place).
std::chrono::milliseconds op_timeout(int64_t timeout_ms) {
  return timeout_ms < 0 ? c10d::kUnsetTimeout : millis(timeout_ms);
}

void check_rank(const ltrs_pg& pg, int64_t r, const char* what) {
  TORCH_CHECK(r >= 0 && r < pg.size, what, " rank ", r, " is not in the group of ", pg.size,
              " ranks");
}

ltrs_work* box(c10::intrusive_ptr<c10d::Work> work) {
  TORCH_CHECK(work, "the backend returned no work handle");
  return new ltrs_work{std::move(work)};
}

#ifdef LTRS_GLOO
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> options_for(int64_t timeout_ms,
                                                                ltrs_str hostname,
                                                                ltrs_str interfaces,
                                                                int64_t threads) {
  auto options = c10::make_intrusive<c10d::ProcessGroupGloo::Options>(millis(timeout_ms));
  if (hostname.data != nullptr) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(to_string(hostname)));
  } else if (interfaces.data != nullptr) {
    auto names = split_commas(to_string(interfaces));
    TORCH_CHECK(!names.empty(), "no network interface named in '", to_string(interfaces), "'");
    for (const auto& name : names) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
    }
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  if (threads > 0) options->threads = static_cast<int>(threads);
  return options;
}
#endif

}  // namespace

extern "C" {

void ltrs_pg_free(ltrs_pg* pg) {
  // The destructor joins Gloo's worker threads after the queued work finished or timed out.
  try {
    delete pg;
  } catch (...) {
  }
}

ltrs_error* ltrs_gloo_new(const ltrs_store* store, int64_t rank, int64_t size, int64_t timeout_ms,
                          ltrs_str hostname, ltrs_str interfaces, int64_t threads,
                          ltrs_str wrapper_prefix, ltrs_pg** out) {
  LTRS_TRY {
#ifndef LTRS_GLOO
    (void)store, (void)rank, (void)size, (void)timeout_ms, (void)hostname, (void)interfaces;
    (void)threads, (void)wrapper_prefix, (void)out;
    TORCH_CHECK(false, "the Gloo process group is built only against PyTorch 2.11 in this release "
                       "(its ABI is checked for that libtorch only); this libtorch is ",
                TORCH_VERSION);
#else
    TORCH_CHECK(size >= 1 && size <= INT32_MAX, "world_size must be at least 1, got ", size);
    TORCH_CHECK(rank >= 0 && rank < size, "rank ", rank, " is not in [0, ", size, ")");
    TORCH_CHECK(timeout_ms > 0, "the timeout must be positive, got ", timeout_ms, " ms");
    auto make = [&](const c10::intrusive_ptr<c10d::Store>& on) {
      return c10::make_intrusive<c10d::ProcessGroupGloo>(on, static_cast<int>(rank),
                                                         static_cast<int>(size), options_for(
                                                             timeout_ms, hostname, interfaces,
                                                             threads));
    };
    c10::intrusive_ptr<c10d::Backend> backend = make(store_of(store));
    if (wrapper_prefix.data != nullptr) {
      // What torch.distributed does under TORCH_DISTRIBUTED_DEBUG=DETAIL: a second Gloo group, on
      // its own keys, through which every collective first compares its fingerprint (op, shapes,
      // dtypes) across the ranks.
      auto helper_store =
          c10::make_intrusive<c10d::PrefixStore>(to_string(wrapper_prefix), store_of(store));
      backend = c10::make_intrusive<c10d::ProcessGroupWrapper>(backend, make(helper_store));
    }
    *out = new ltrs_pg{std::move(backend), rank, size};
#endif
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_rank(const ltrs_pg* pg, int64_t* out) {
  LTRS_TRY { *out = pg_of(pg).rank; }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_size(const ltrs_pg* pg, int64_t* out) {
  LTRS_TRY { *out = pg_of(pg).size; }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_backend_name(const ltrs_pg* pg, char** out) {
  LTRS_TRY {
    auto name = pg_of(pg).backend->getBackendName();
    auto* buf = static_cast<char*>(std::malloc(name.size() + 1));
    if (buf == nullptr) throw std::bad_alloc();
    std::memcpy(buf, name.c_str(), name.size() + 1);
    *out = buf;
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_allreduce(const ltrs_pg* pg, ltrs_tensor t, int32_t op, int64_t timeout_ms,
                              ltrs_work** out) {
  LTRS_TRY {
    std::vector<at::Tensor> ts{tensor(t, "the tensor")};
    c10d::AllreduceOptions opts;
    opts.reduceOp = reduce_op(op);
    opts.timeout = op_timeout(timeout_ms);
    *out = box(pg_of(pg).backend->allreduce(ts, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_broadcast(const ltrs_pg* pg, ltrs_tensor t, int64_t src, int64_t timeout_ms,
                              ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, src, "the source");
    std::vector<at::Tensor> ts{tensor(t, "the tensor")};
    c10d::BroadcastOptions opts;
    opts.rootRank = src;
    opts.rootTensor = 0;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->broadcast(ts, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_reduce(const ltrs_pg* pg, ltrs_tensor t, int64_t dst, int32_t op,
                           int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, dst, "the destination");
    std::vector<at::Tensor> ts{tensor(t, "the tensor")};
    c10d::ReduceOptions opts;
    opts.reduceOp = reduce_op(op);
    opts.rootRank = dst;
    opts.rootTensor = 0;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->reduce(ts, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_allgather(const ltrs_pg* pg, ltrs_tensor_list outputs, ltrs_tensor input,
                              int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    std::vector<std::vector<at::Tensor>> outs{tensors(outputs, "an output")};
    TORCH_CHECK(static_cast<int64_t>(outs[0].size()) == g.size, "all_gather needs one output per rank (",
                g.size, "), got ", outs[0].size());
    std::vector<at::Tensor> ins{tensor(input, "the input")};
    c10d::AllgatherOptions opts;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->allgather(outs, ins, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_allgather_into_tensor(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                          int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    auto o = tensor(output, "the output");
    auto i = tensor(input, "the input");
    c10d::AllgatherOptions opts;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(pg_of(pg).backend->_allgather_base(o, i, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_gather(const ltrs_pg* pg, ltrs_tensor_list outputs, ltrs_tensor input,
                           int64_t dst, int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, dst, "the destination");
    std::vector<std::vector<at::Tensor>> outs;
    if (g.rank == dst) {
      outs.push_back(tensors(outputs, "an output"));
      TORCH_CHECK(static_cast<int64_t>(outs[0].size()) == g.size,
                  "gather needs one output per rank (", g.size, ") on the destination, got ",
                  outs[0].size());
    } else {
      TORCH_CHECK(outputs.len == 0, "gather takes outputs only on the destination rank ", dst);
    }
    std::vector<at::Tensor> ins{tensor(input, "the input")};
    c10d::GatherOptions opts;
    opts.rootRank = dst;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->gather(outs, ins, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_scatter(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor_list inputs,
                            int64_t src, int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, src, "the source");
    std::vector<std::vector<at::Tensor>> ins;
    if (g.rank == src) {
      ins.push_back(tensors(inputs, "an input"));
      TORCH_CHECK(static_cast<int64_t>(ins[0].size()) == g.size,
                  "scatter needs one input per rank (", g.size, ") on the source, got ",
                  ins[0].size());
    } else {
      TORCH_CHECK(inputs.len == 0, "scatter takes inputs only on the source rank ", src);
    }
    std::vector<at::Tensor> outs{tensor(output, "the output")};
    c10d::ScatterOptions opts;
    opts.rootRank = src;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->scatter(outs, ins, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_reduce_scatter(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor_list inputs,
                                   int32_t op, int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    std::vector<std::vector<at::Tensor>> ins{tensors(inputs, "an input")};
    TORCH_CHECK(static_cast<int64_t>(ins[0].size()) == g.size,
                "reduce_scatter needs one input per rank (", g.size, "), got ", ins[0].size());
    std::vector<at::Tensor> outs{tensor(output, "the output")};
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = reduce_op(op);
    opts.timeout = op_timeout(timeout_ms);
    *out = box(g.backend->reduce_scatter(outs, ins, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_reduce_scatter_tensor(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                          int32_t op, int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    auto o = tensor(output, "the output");
    auto i = tensor(input, "the input");
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = reduce_op(op);
    opts.timeout = op_timeout(timeout_ms);
    *out = box(pg_of(pg).backend->_reduce_scatter_base(o, i, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_alltoall_base(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                  ltrs_int_list output_split_sizes,
                                  ltrs_int_list input_split_sizes, int64_t timeout_ms,
                                  ltrs_work** out) {
  LTRS_TRY {
    auto list = [](ltrs_int_list l) {
      TORCH_CHECK(l.len >= 0 && (l.data != nullptr || l.len == 0), "a NULL split-size list");
      return std::vector<int64_t>(l.data, l.data + l.len);
    };
    auto o = tensor(output, "the output");
    auto i = tensor(input, "the input");
    auto out_splits = list(output_split_sizes);
    auto in_splits = list(input_split_sizes);
    c10d::AllToAllOptions opts;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(pg_of(pg).backend->alltoall_base(o, i, out_splits, in_splits, opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_barrier(const ltrs_pg* pg, int64_t timeout_ms, ltrs_work** out) {
  LTRS_TRY {
    c10d::BarrierOptions opts;
    opts.timeout = op_timeout(timeout_ms);
    *out = box(pg_of(pg).backend->barrier(opts));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_send(const ltrs_pg* pg, ltrs_tensor t, int64_t dst, int64_t tag,
                         ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, dst, "the destination");
    TORCH_CHECK(dst != g.rank, "send to its own rank ", dst);
    TORCH_CHECK(tag >= 0 && tag <= INT32_MAX, "the tag must be in [0, 2^31), got ", tag);
    std::vector<at::Tensor> ts{tensor(t, "the tensor")};
    *out = box(g.backend->send(ts, static_cast<int>(dst), static_cast<int>(tag)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_pg_recv(const ltrs_pg* pg, ltrs_tensor t, int64_t src, int64_t tag,
                         ltrs_work** out) {
  LTRS_TRY {
    const auto& g = pg_of(pg);
    check_rank(g, src, "the source");
    TORCH_CHECK(src != g.rank, "recv from its own rank ", src);
    TORCH_CHECK(tag >= 0 && tag <= INT32_MAX, "the tag must be in [0, 2^31), got ", tag);
    std::vector<at::Tensor> ts{tensor(t, "the tensor")};
    *out = box(g.backend->recv(ts, static_cast<int>(src), static_cast<int>(tag)));
  }
  LTRS_CATCH
}

void ltrs_work_free(ltrs_work* w) { delete w; }

ltrs_error* ltrs_work_wait(const ltrs_work* w, int64_t timeout_ms) {
  LTRS_TRY {
    const auto& work = work_of(w).work;
    // kNoTimeout is 0 ms: a zero bound becomes 1 ms, not "wait forever".
    work->wait(timeout_ms < 0 ? kNoTimeout : millis(std::max<int64_t>(timeout_ms, 1)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_work_is_completed(const ltrs_work* w, bool* out) {
  LTRS_TRY { *out = work_of(w).work->isCompleted(); }
  LTRS_CATCH
}

ltrs_error* ltrs_work_source_rank(const ltrs_work* w, int64_t* out) {
  LTRS_TRY { *out = work_of(w).work->sourceRank(); }
  LTRS_CATCH
}

}  // extern "C"
