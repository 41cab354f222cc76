// The profiler: libtorch's own (Kineto) profiler, as torch.profiler.profile drives it
// (torch::autograd::profiler::prepareProfiler / enableProfiler / disableProfiler), its result
// (the events, and ProfilerResult::save, which writes the Chrome trace), and user ranges
// (record_function_enter_new, what `with torch.profiler.record_function(name):` calls).
#include "support.h"

#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/csrc/autograd/record_function_ops.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

extern "C" {

/* One event of a finished profile. The strings and shape arrays stay valid while the result
 * lives. `shape_ranks[i]` is the rank of input i; its dims follow each other in `shape_dims`. */
typedef struct {
  const char* name;
  const char* overload_name;
  uint64_t start_ns;
  uint64_t end_ns;
  uint64_t start_thread;
  uint64_t end_thread;
  int64_t sequence_nr;
  uint64_t correlation_id;
  uint64_t linked_correlation_id;
  uint64_t flops;
  int64_t nbytes;
  int32_t device_type;
  int32_t device_index;
  uint8_t activity_type;
  uint8_t scope;
  bool is_async;
  bool is_hidden;
  bool is_user_scope;
  const int64_t* shape_dims;
  const int64_t* shape_ranks;
  size_t n_shapes;
} ltrs_profiler_event;

typedef struct ltrs_profiler_result ltrs_profiler_result;
typedef struct ltrs_record_function ltrs_record_function;

}  // extern "C"

namespace prof = torch::autograd::profiler;
using torch::profiler::impl::ActivityType;
using torch::profiler::impl::ExperimentalConfig;
using torch::profiler::impl::ProfilerConfig;
using torch::profiler::impl::ProfilerState;

struct ltrs_profiler_result {
  std::unique_ptr<prof::ProfilerResult> result;
  std::vector<std::string> names, overloads;
  std::vector<std::vector<int64_t>> dims, ranks;
  std::vector<ltrs_profiler_event> events;
};

namespace {

std::set<ActivityType> activities(bool cpu, bool cuda) {
  std::set<ActivityType> out;
  if (cpu) out.insert(ActivityType::CPU);
  if (cuda) out.insert(ActivityType::CUDA);
  return out;
}

}  // namespace

extern "C" {

/* Starts profiling on the calling thread, as torch.profiler.profile's __enter__ does
 * (_prepare_profiler then _enable_profiler with ProfilerState::KINETO). */
ltrs_error* ltrs_profiler_enable(bool cpu, bool cuda, bool record_shapes, bool profile_memory,
                                 bool with_stack, bool with_flops, bool with_modules) {
  LTRS_TRY {
    TORCH_CHECK(cpu || cuda, "profile: no activity to profile");
    TORCH_CHECK(!torch::profiler::impl::profilerEnabled(),
                "profile: the profiler is already enabled on this thread");
    ProfilerConfig config(ProfilerState::KINETO, record_shapes, profile_memory, with_stack,
                          with_flops, with_modules, ExperimentalConfig());
    auto acts = activities(cpu, cuda);
    prof::prepareProfiler(config, acts);
    prof::enableProfiler(config, acts);
  }
  LTRS_CATCH
}

/* Stops the profile this thread started and hands over its result (torch's __exit__). */
ltrs_error* ltrs_profiler_disable(ltrs_profiler_result** out) {
  LTRS_TRY {
    *out = nullptr;
    auto owned = std::make_unique<ltrs_profiler_result>();
    owned->result = prof::disableProfiler();
    TORCH_CHECK(owned->result != nullptr, "profile: the profiler returned no result");
    const auto& events = owned->result->events();
    const size_t n = events.size();
    owned->names.reserve(n);
    owned->overloads.reserve(n);
    owned->dims.resize(n);
    owned->ranks.resize(n);
    owned->events.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const auto& e = events[i];
      owned->names.push_back(e.name());
      owned->overloads.push_back(e.overload_name());
      if (e.hasShapes()) {
        for (const auto& s : e.shapes()) {
          owned->ranks[i].push_back(static_cast<int64_t>(s.size()));
          owned->dims[i].insert(owned->dims[i].end(), s.begin(), s.end());
        }
      }
      ltrs_profiler_event& r = owned->events[i];
      r.start_ns = e.startNs();
      r.end_ns = e.endNs();
      r.start_thread = e.startThreadId();
      r.end_thread = e.endThreadId();
      r.sequence_nr = e.sequenceNr();
      r.correlation_id = e.correlationId();
      r.linked_correlation_id = e.linkedCorrelationId();
      r.flops = e.flops();
      r.nbytes = e.nBytes();
      r.device_type = static_cast<int32_t>(e.deviceType());
      r.device_index = e.deviceIndex();
      r.activity_type = e.activityType();
      r.scope = e.scope();
      r.is_async = e.isAsync();
      r.is_hidden = e.isHiddenEvent();
      r.is_user_scope = e.scope() == static_cast<uint8_t>(at::RecordScope::USER_SCOPE);
    }
    // The vectors are complete: their buffers no longer move.
    for (size_t i = 0; i < n; ++i) {
      ltrs_profiler_event& r = owned->events[i];
      r.name = owned->names[i].c_str();
      r.overload_name = owned->overloads[i].c_str();
      r.shape_dims = owned->dims[i].data();
      r.shape_ranks = owned->ranks[i].data();
      r.n_shapes = owned->ranks[i].size();
    }
    *out = owned.release();
  }
  LTRS_CATCH
}

/* The events of `r` (borrowed from it). */
ltrs_error* ltrs_profiler_result_events(const ltrs_profiler_result* r,
                                        const ltrs_profiler_event** events, size_t* n,
                                        uint64_t* trace_start_ns) {
  LTRS_TRY {
    TORCH_CHECK(r != nullptr, "profiler result: null handle");
    *events = r->events.data();
    *n = r->events.size();
    *trace_start_ns = r->result->trace_start_ns();
  }
  LTRS_CATCH
}

/* Writes the Chrome trace (ProfilerResult::save; libtorch allows it once per result). */
ltrs_error* ltrs_profiler_result_save(ltrs_profiler_result* r, ltrs_str path) {
  LTRS_TRY {
    TORCH_CHECK(r != nullptr, "profiler result: null handle");
    TORCH_CHECK(path.data != nullptr, "export_chrome_trace: no path");
    r->result->save(std::string(path.data, static_cast<size_t>(path.len)));
  }
  LTRS_CATCH
}

void ltrs_profiler_result_free(ltrs_profiler_result* r) {
  try {
    delete r;
  } catch (...) {
    // A destructor of libtorch's result that throws: nothing the caller could do about it.
  }
}

/* Opens a user range named `name` on this thread (record_function's __enter__). */
ltrs_error* ltrs_record_function_enter(ltrs_str name, ltrs_record_function** out) {
  LTRS_TRY {
    *out = nullptr;
    TORCH_CHECK(name.data != nullptr, "record_function: no name");
    auto rec = prof::record_function_enter_new(
        std::string(name.data, static_cast<size_t>(name.len)), std::nullopt);
    *out = reinterpret_cast<ltrs_record_function*>(rec.release());
  }
  LTRS_CATCH
}

/* Closes the range (record_function's __exit__) and releases the handle, whatever happens. */
ltrs_error* ltrs_record_function_exit(ltrs_record_function* handle) {
  auto rec = c10::intrusive_ptr<prof::PythonRecordFunction>::reclaim(
      reinterpret_cast<prof::PythonRecordFunction*>(handle));
  LTRS_TRY {
    TORCH_CHECK(rec, "record_function: null handle");
    rec->record.end();
  }
  LTRS_CATCH
}

}  // extern "C"
