// Marks memory deliberately never freed (handed to a C library that may still call into it), so
// LeakSanitizer in the asan preset does not report it, nor what it points to; nothing otherwise.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace fleetdeck {

// Call before releasing ownership of `object` for good; it must still be alive.
inline void leakOnPurpose(const void* object) {
#if defined(__SANITIZE_ADDRESS__)
  __lsan_ignore_object(object);
#else
  (void)object;
#endif
}

}  // namespace fleetdeck
