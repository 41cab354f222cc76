// The DDP reducer handle shared by reducer.cpp and ddp_hooks.cpp.
#pragma once
#include "dist.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <atomic>
#include <memory>

struct ltrs_reducer {
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  // Shared so that a callback queued on the autograd engine (static_graph's delayed all-reduce,
  // ddp_hooks.cpp) can hold it weakly: a reducer freed first is then skipped, never used.
  std::shared_ptr<c10d::Reducer> reducer;
  // static_graph: whether the first backward's delayed all-reduce has been queued
  // (DistributedDataParallel._static_graph_delay_allreduce_enqueued).
  std::shared_ptr<std::atomic<bool>> delay_enqueued = std::make_shared<std::atomic<bool>>(false);
};
