// The one place where a canonical Status code becomes an HTTP status.
#pragma once

#include "fleetdeck/core/status.h"

namespace fleetdeck {

// HTTP status for an error. `conditionalRequest` is true when the client sent If-Match: a version
// conflict (ABORTED) then means the precondition failed (412) rather than a plain conflict (409).
int httpStatusFor(StatusCode code, bool conditionalRequest = false);

// The canonical code that best describes an HTTP status from an upstream (used by proxies).
StatusCode statusCodeForHttp(int httpStatus);

}  // namespace fleetdeck
