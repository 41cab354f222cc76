// Mixed precision: the thread-local autocast state of ATen (at::autocast), which the safe
// crate's `amp::AutocastGuard` sets and restores as torch.autocast's __enter__/__exit__ do.
// Device types and dtypes are c10 codes (DeviceType, ScalarType).
#include "support.h"

#include <ATen/autocast_mode.h>

extern "C" {

ltrs_error* ltrs_autocast_is_enabled(int32_t device_type, bool* out) {
  LTRS_TRY { *out = at::autocast::is_autocast_enabled(static_cast<c10::DeviceType>(device_type)); }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_set_enabled(int32_t device_type, bool enabled) {
  LTRS_TRY {
    at::autocast::set_autocast_enabled(static_cast<c10::DeviceType>(device_type), enabled);
  }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_get_dtype(int32_t device_type, int32_t* out) {
  LTRS_TRY {
    *out = static_cast<int32_t>(
        at::autocast::get_autocast_dtype(static_cast<c10::DeviceType>(device_type)));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_set_dtype(int32_t device_type, int32_t dtype) {
  LTRS_TRY {
    at::autocast::set_autocast_dtype(static_cast<c10::DeviceType>(device_type),
                                     static_cast<at::ScalarType>(dtype));
  }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_increment_nesting(int32_t* out) {
  LTRS_TRY { *out = at::autocast::increment_nesting(); }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_decrement_nesting(int32_t* out) {
  LTRS_TRY { *out = at::autocast::decrement_nesting(); }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_clear_cache(void) {
  LTRS_TRY { at::autocast::clear_cache(); }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_is_cache_enabled(bool* out) {
  LTRS_TRY { *out = at::autocast::is_autocast_cache_enabled(); }
  LTRS_CATCH
}

ltrs_error* ltrs_autocast_set_cache_enabled(bool enabled) {
  LTRS_TRY { at::autocast::set_autocast_cache_enabled(enabled); }
  LTRS_CATCH
}

}  // extern "C"
