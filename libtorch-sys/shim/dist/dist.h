/* torch.distributed on libtorch's own c10d: key-value stores, the Gloo process group and its
 * collectives (handwritten; compiled into the `ltrs_dist` archive on its own, with the Gloo
 * stand-in headers of gloo_decls/ on its include path; see gloo.cpp for why that is ABI-safe).
 * Mirrored by libtorch-sys/src/dist.rs. The conventions of ltrs.h hold: every fallible function
 * returns `ltrs_error*`, results come back through out-pointers, tensors cross as bare
 * `TensorImpl*` (borrowed as arguments).
 *
 * Timeouts are milliseconds; every blocking call takes one or uses the store's / group's. */
#ifndef LTRS_DIST_H
#define LTRS_DIST_H
#include "ltrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An owned `c10::intrusive_ptr<c10d::Store>`; free with ltrs_store_free. */
typedef struct ltrs_store ltrs_store;
/* An owned `c10::intrusive_ptr<c10d::Backend>` (a ProcessGroupGloo); free with ltrs_pg_free. */
typedef struct ltrs_pg ltrs_pg;
/* An owned `c10::intrusive_ptr<c10d::Work>`; free with ltrs_work_free. */
typedef struct ltrs_work ltrs_work;

/* Frees what this header's functions malloc'ed (bytes read from a store). */
void ltrs_dist_free(void* p);

/* ---- stores ---- */
void ltrs_store_free(ltrs_store* s);
/* c10d::TCPStore(host, {port, is_master, world_size (< 0: none), wait_for_workers, timeout}).
 * The server side (is_master) listens on `port` (0: a free one, see ltrs_tcp_store_port). */
ltrs_error* ltrs_tcp_store_new(ltrs_str host, uint16_t port, int64_t world_size, bool is_master,
                               int64_t timeout_ms, bool wait_for_workers, ltrs_store** out);
/* The port a TCPStore listens on / connected to. */
ltrs_error* ltrs_tcp_store_port(const ltrs_store* s, uint16_t* out);
ltrs_error* ltrs_file_store_new(ltrs_str path, int64_t world_size, ltrs_store** out);
ltrs_error* ltrs_hash_store_new(ltrs_store** out);
/* Keys of `base` under "prefix/"; `base` is shared, not consumed. */
ltrs_error* ltrs_prefix_store_new(ltrs_str prefix, const ltrs_store* base, ltrs_store** out);
/* A second owning handle to the same store. */
ltrs_error* ltrs_store_clone_handle(const ltrs_store* s, ltrs_store** out);
ltrs_error* ltrs_store_set(const ltrs_store* s, ltrs_str key, const uint8_t* data, int64_t len);
/* Blocks until `key` exists (at most the store's timeout). `*data` is malloc'ed (NULL when
 * `*len` is 0); free with ltrs_dist_free. */
ltrs_error* ltrs_store_get(const ltrs_store* s, ltrs_str key, uint8_t** data, int64_t* len);
ltrs_error* ltrs_store_add(const ltrs_store* s, ltrs_str key, int64_t amount, int64_t* out);
/* Sets `key` to `desired` if its value is `expected` (or if it is absent and `expected` is
 * empty); `*data` receives the value after the call (malloc'ed as for ltrs_store_get). */
ltrs_error* ltrs_store_compare_set(const ltrs_store* s, ltrs_str key, const uint8_t* expected,
                                   int64_t expected_len, const uint8_t* desired,
                                   int64_t desired_len, uint8_t** data, int64_t* len);
ltrs_error* ltrs_store_delete_key(const ltrs_store* s, ltrs_str key, bool* out);
ltrs_error* ltrs_store_check(const ltrs_store* s, ltrs_str_list keys, bool* out);
/* Blocks until every key exists, at most `timeout_ms` (< 0: the store's timeout). */
ltrs_error* ltrs_store_wait(const ltrs_store* s, ltrs_str_list keys, int64_t timeout_ms);
ltrs_error* ltrs_store_num_keys(const ltrs_store* s, int64_t* out);
ltrs_error* ltrs_store_timeout(const ltrs_store* s, int64_t* out_ms);
ltrs_error* ltrs_store_set_timeout(const ltrs_store* s, int64_t timeout_ms);

/* ---- the Gloo process group ---- */
void ltrs_pg_free(ltrs_pg* pg);
/* c10d::ProcessGroupGloo(store, rank, size, options): `timeout_ms` bounds the rendezvous and every
 * collective; `threads` worker threads (<= 0: Gloo's default, 2). The devices: one for
 * `hostname` when given (data != NULL), else one per comma-separated name in `interfaces` when
 * given, else Gloo's default device (the machine's hostname, or loopback when that does not
 * resolve) -- what torch.distributed does with GLOO_SOCKET_IFNAME. With a `wrapper_prefix`
 * (data != NULL), the group is wrapped in c10d::ProcessGroupWrapper over a second Gloo group on
 * the keys under that prefix, as TORCH_DISTRIBUTED_DEBUG=DETAIL does: every collective first
 * checks that all ranks call the same op on the same shapes and dtypes. Blocks until every rank
 * joined (at most the timeout). */
ltrs_error* ltrs_gloo_new(const ltrs_store* store, int64_t rank, int64_t size, int64_t timeout_ms,
                          ltrs_str hostname, ltrs_str interfaces, int64_t threads,
                          ltrs_str wrapper_prefix, ltrs_pg** out);
ltrs_error* ltrs_pg_rank(const ltrs_pg* pg, int64_t* out);
ltrs_error* ltrs_pg_size(const ltrs_pg* pg, int64_t* out);
/* The backend's name ("gloo"), malloc'ed and NUL-terminated; free with ltrs_dist_free. */
ltrs_error* ltrs_pg_backend_name(const ltrs_pg* pg, char** out);

/* c10d::ReduceOp::RedOpType codes. */
enum ltrs_reduce_op {
  LTRS_REDUCE_SUM = 0,
  LTRS_REDUCE_AVG = 1,
  LTRS_REDUCE_PRODUCT = 2,
  LTRS_REDUCE_MIN = 3,
  LTRS_REDUCE_MAX = 4,
};

/* Collectives: each starts the operation and returns its work handle; `timeout_ms` (< 0: the
 * group's) bounds it in Gloo. Tensors written in place (outputs) are shared with the work until it
 * completes, as in PyTorch's async_op=True. Argument checks are Gloo's own. */
ltrs_error* ltrs_pg_allreduce(const ltrs_pg* pg, ltrs_tensor t, int32_t op, int64_t timeout_ms,
                              ltrs_work** out);
ltrs_error* ltrs_pg_broadcast(const ltrs_pg* pg, ltrs_tensor t, int64_t src, int64_t timeout_ms,
                              ltrs_work** out);
ltrs_error* ltrs_pg_reduce(const ltrs_pg* pg, ltrs_tensor t, int64_t dst, int32_t op,
                           int64_t timeout_ms, ltrs_work** out);
/* `outputs` has one tensor per rank. */
ltrs_error* ltrs_pg_allgather(const ltrs_pg* pg, ltrs_tensor_list outputs, ltrs_tensor input,
                              int64_t timeout_ms, ltrs_work** out);
ltrs_error* ltrs_pg_allgather_into_tensor(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                          int64_t timeout_ms, ltrs_work** out);
/* `outputs`: one tensor per rank on `dst`, empty elsewhere. */
ltrs_error* ltrs_pg_gather(const ltrs_pg* pg, ltrs_tensor_list outputs, ltrs_tensor input,
                           int64_t dst, int64_t timeout_ms, ltrs_work** out);
/* `inputs`: one tensor per rank on `src`, empty elsewhere. */
ltrs_error* ltrs_pg_scatter(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor_list inputs,
                            int64_t src, int64_t timeout_ms, ltrs_work** out);
ltrs_error* ltrs_pg_reduce_scatter(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor_list inputs,
                                   int32_t op, int64_t timeout_ms, ltrs_work** out);
ltrs_error* ltrs_pg_reduce_scatter_tensor(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                          int32_t op, int64_t timeout_ms, ltrs_work** out);
/* Split sizes as counts along dimension 0; empty lists split evenly. */
ltrs_error* ltrs_pg_alltoall_base(const ltrs_pg* pg, ltrs_tensor output, ltrs_tensor input,
                                  ltrs_int_list output_split_sizes,
                                  ltrs_int_list input_split_sizes, int64_t timeout_ms,
                                  ltrs_work** out);
ltrs_error* ltrs_pg_barrier(const ltrs_pg* pg, int64_t timeout_ms, ltrs_work** out);
ltrs_error* ltrs_pg_send(const ltrs_pg* pg, ltrs_tensor t, int64_t dst, int64_t tag,
                         ltrs_work** out);
ltrs_error* ltrs_pg_recv(const ltrs_pg* pg, ltrs_tensor t, int64_t src, int64_t tag,
                         ltrs_work** out);

/* ---- DistributedDataParallel (reducer.cpp) ---- */
/* An owned c10d::Reducer with the c10d::ProcessGroup around its backend; free with
 * ltrs_reducer_free (which removes its autograd hooks). */
typedef struct ltrs_reducer ltrs_reducer;
/* c10d::broadcast_coalesced: every tensor becomes rank `src`'s, sent in flattened buckets of at
 * most `buffer_size` bytes; written under no-grad (parameters are leaves). */
ltrs_error* ltrs_broadcast_coalesced(const ltrs_pg* pg, ltrs_tensor_list tensors,
                                     int64_t buffer_size, int64_t src);
void ltrs_reducer_free(ltrs_reducer* r);
/* DistributedDataParallel's Reducer over `params` (shared, one name each): checks the shapes
 * match across ranks, assigns buckets as _ddp_init_helper does, and hooks every parameter's
 * gradient accumulator; `static_graph` as DDP's _set_static_graph. */
ltrs_error* ltrs_reducer_new(const ltrs_pg* pg, ltrs_tensor_list params, ltrs_str_list names,
                             int64_t bucket_bytes_cap, bool bucket_cap_is_default,
                             bool find_unused_parameters, bool gradient_as_bucket_view,
                             bool static_graph, ltrs_reducer** out);
/* c10d's built-in communication hooks (c10d::BuiltinCommHookType codes): 1 ALLREDUCE,
 * 2 FP16_COMPRESS; once per reducer (ddp_hooks.cpp). */
ltrs_error* ltrs_reducer_register_builtin_comm_hook(const ltrs_reducer* r, int32_t hook);
/* static_graph's _DDPSink: until the first backward has queued the Reducer's delayed all-reduce,
 * `*out` is a view of `output` whose gradient hook queues it on the autograd engine (once);
 * afterwards, or for an output without a grad_fn, `output` itself (a new reference). */
ltrs_error* ltrs_reducer_static_graph_sink(const ltrs_reducer* r, ltrs_tensor output,
                                           ltrs_tensor* out);
ltrs_error* ltrs_reducer_prepare_for_forward(const ltrs_reducer* r);
/* Rebuilds the buckets in gradient order after the first backward (a collective); `*out`: whether
 * it did. */
ltrs_error* ltrs_reducer_rebuild_buckets(const ltrs_reducer* r, bool* out);
/* Arms the hooks for the next backward; with find_unused_parameters, `outputs` are the roots
 * whose graph tells which parameters get no gradient. */
ltrs_error* ltrs_reducer_prepare_for_backward(const ltrs_reducer* r, ltrs_tensor_list outputs);

/* ---- work handles ---- */
void ltrs_work_free(ltrs_work* w);
/* Blocks until the work completes, at most `timeout_ms` (< 0: no bound of its own; Gloo's
 * timeout still applies); fails with the work's error, or when the time ran out. */
ltrs_error* ltrs_work_wait(const ltrs_work* w, int64_t timeout_ms);
ltrs_error* ltrs_work_is_completed(const ltrs_work* w, bool* out);
/* The rank a receive got its data from (after completion). */
ltrs_error* ltrs_work_source_rank(const ltrs_work* w, int64_t* out);

#ifdef __cplusplus
}
#endif
#endif
