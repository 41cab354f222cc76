//! FFI of `shim/dist/dist.h`: c10d's stores, the Gloo process group and its work handles. See
//! that header for what each function does and owns.
#![allow(non_camel_case_types)]
use crate::abi::{
    ltrs_error, ltrs_int_list, ltrs_str, ltrs_str_list, ltrs_tensor, ltrs_tensor_list,
};
use std::ffi::{c_char, c_void};

/// An opaque owned `c10::intrusive_ptr<c10d::Store>`; free with [`ltrs_store_free`].
#[repr(C)]
pub struct ltrs_store {
    _private: [u8; 0],
}

/// An opaque owned Gloo process group; free with [`ltrs_pg_free`].
#[repr(C)]
pub struct ltrs_pg {
    _private: [u8; 0],
}

/// An opaque owned c10d DDP `Reducer`; free with [`ltrs_reducer_free`].
#[repr(C)]
pub struct ltrs_reducer {
    _private: [u8; 0],
}

/// An opaque owned `c10::intrusive_ptr<c10d::Work>`; free with [`ltrs_work_free`].
#[repr(C)]
pub struct ltrs_work {
    _private: [u8; 0],
}

pub const LTRS_REDUCE_SUM: i32 = 0;
pub const LTRS_REDUCE_AVG: i32 = 1;
pub const LTRS_REDUCE_PRODUCT: i32 = 2;
pub const LTRS_REDUCE_MIN: i32 = 3;
pub const LTRS_REDUCE_MAX: i32 = 4;

extern "C" {
    pub fn ltrs_dist_free(p: *mut c_void);

    // ---- stores ----
    pub fn ltrs_store_free(s: *mut ltrs_store);
    pub fn ltrs_tcp_store_new(
        host: ltrs_str,
        port: u16,
        world_size: i64,
        is_master: bool,
        timeout_ms: i64,
        wait_for_workers: bool,
        out: *mut *mut ltrs_store,
    ) -> *mut ltrs_error;
    pub fn ltrs_tcp_store_port(s: *const ltrs_store, out: *mut u16) -> *mut ltrs_error;
    pub fn ltrs_file_store_new(
        path: ltrs_str,
        world_size: i64,
        out: *mut *mut ltrs_store,
    ) -> *mut ltrs_error;
    pub fn ltrs_hash_store_new(out: *mut *mut ltrs_store) -> *mut ltrs_error;
    pub fn ltrs_prefix_store_new(
        prefix: ltrs_str,
        base: *const ltrs_store,
        out: *mut *mut ltrs_store,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_clone_handle(
        s: *const ltrs_store,
        out: *mut *mut ltrs_store,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_set(
        s: *const ltrs_store,
        key: ltrs_str,
        data: *const u8,
        len: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_get(
        s: *const ltrs_store,
        key: ltrs_str,
        data: *mut *mut u8,
        len: *mut i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_add(
        s: *const ltrs_store,
        key: ltrs_str,
        amount: i64,
        out: *mut i64,
    ) -> *mut ltrs_error;
    #[allow(clippy::too_many_arguments)]
    pub fn ltrs_store_compare_set(
        s: *const ltrs_store,
        key: ltrs_str,
        expected: *const u8,
        expected_len: i64,
        desired: *const u8,
        desired_len: i64,
        data: *mut *mut u8,
        len: *mut i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_delete_key(
        s: *const ltrs_store,
        key: ltrs_str,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_check(
        s: *const ltrs_store,
        keys: ltrs_str_list,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_wait(
        s: *const ltrs_store,
        keys: ltrs_str_list,
        timeout_ms: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_store_num_keys(s: *const ltrs_store, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_store_timeout(s: *const ltrs_store, out_ms: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_store_set_timeout(s: *const ltrs_store, timeout_ms: i64) -> *mut ltrs_error;

    // ---- the Gloo process group ----
    pub fn ltrs_pg_free(pg: *mut ltrs_pg);
    #[allow(clippy::too_many_arguments)]
    pub fn ltrs_gloo_new(
        store: *const ltrs_store,
        rank: i64,
        size: i64,
        timeout_ms: i64,
        hostname: ltrs_str,
        interfaces: ltrs_str,
        threads: i64,
        wrapper_prefix: ltrs_str,
        out: *mut *mut ltrs_pg,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_rank(pg: *const ltrs_pg, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_pg_size(pg: *const ltrs_pg, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_pg_backend_name(pg: *const ltrs_pg, out: *mut *mut c_char) -> *mut ltrs_error;
    pub fn ltrs_pg_allreduce(
        pg: *const ltrs_pg,
        t: ltrs_tensor,
        op: i32,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_broadcast(
        pg: *const ltrs_pg,
        t: ltrs_tensor,
        src: i64,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_reduce(
        pg: *const ltrs_pg,
        t: ltrs_tensor,
        dst: i64,
        op: i32,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_allgather(
        pg: *const ltrs_pg,
        outputs: ltrs_tensor_list,
        input: ltrs_tensor,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_allgather_into_tensor(
        pg: *const ltrs_pg,
        output: ltrs_tensor,
        input: ltrs_tensor,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_gather(
        pg: *const ltrs_pg,
        outputs: ltrs_tensor_list,
        input: ltrs_tensor,
        dst: i64,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_scatter(
        pg: *const ltrs_pg,
        output: ltrs_tensor,
        inputs: ltrs_tensor_list,
        src: i64,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_reduce_scatter(
        pg: *const ltrs_pg,
        output: ltrs_tensor,
        inputs: ltrs_tensor_list,
        op: i32,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_reduce_scatter_tensor(
        pg: *const ltrs_pg,
        output: ltrs_tensor,
        input: ltrs_tensor,
        op: i32,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_alltoall_base(
        pg: *const ltrs_pg,
        output: ltrs_tensor,
        input: ltrs_tensor,
        output_split_sizes: ltrs_int_list,
        input_split_sizes: ltrs_int_list,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_barrier(
        pg: *const ltrs_pg,
        timeout_ms: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_send(
        pg: *const ltrs_pg,
        t: ltrs_tensor,
        dst: i64,
        tag: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;
    pub fn ltrs_pg_recv(
        pg: *const ltrs_pg,
        t: ltrs_tensor,
        src: i64,
        tag: i64,
        out: *mut *mut ltrs_work,
    ) -> *mut ltrs_error;

    // ---- DistributedDataParallel ----
    pub fn ltrs_broadcast_coalesced(
        pg: *const ltrs_pg,
        tensors: ltrs_tensor_list,
        buffer_size: i64,
        src: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_reducer_free(r: *mut ltrs_reducer);
    #[allow(clippy::too_many_arguments)]
    pub fn ltrs_reducer_new(
        pg: *const ltrs_pg,
        params: ltrs_tensor_list,
        names: ltrs_str_list,
        bucket_bytes_cap: i64,
        bucket_cap_is_default: bool,
        find_unused_parameters: bool,
        gradient_as_bucket_view: bool,
        static_graph: bool,
        out: *mut *mut ltrs_reducer,
    ) -> *mut ltrs_error;
    /// c10d's built-in communication hook `hook` (1 ALLREDUCE, 2 FP16_COMPRESS), once.
    pub fn ltrs_reducer_register_builtin_comm_hook(
        r: *const ltrs_reducer,
        hook: i32,
    ) -> *mut ltrs_error;
    /// static_graph's `_DDPSink`: `out` receives a new reference to the output to hand back.
    pub fn ltrs_reducer_static_graph_sink(
        r: *const ltrs_reducer,
        output: ltrs_tensor,
        out: *mut ltrs_tensor,
    ) -> *mut ltrs_error;
    pub fn ltrs_reducer_prepare_for_forward(r: *const ltrs_reducer) -> *mut ltrs_error;
    pub fn ltrs_reducer_rebuild_buckets(r: *const ltrs_reducer, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_reducer_prepare_for_backward(
        r: *const ltrs_reducer,
        outputs: ltrs_tensor_list,
    ) -> *mut ltrs_error;

    // ---- work handles ----
    pub fn ltrs_work_free(w: *mut ltrs_work);
    pub fn ltrs_work_wait(w: *const ltrs_work, timeout_ms: i64) -> *mut ltrs_error;
    pub fn ltrs_work_is_completed(w: *const ltrs_work, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_work_source_rank(w: *const ltrs_work, out: *mut i64) -> *mut ltrs_error;
}
