// Private to fleetdeck::http: which server io_context (if any) the current thread runs, so the
// async client can keep its connections on the caller's own event loop (no thread hops).
#pragma once

#include <boost/asio/io_context.hpp>

namespace fleetdeck::http::detail {

boost::asio::io_context* currentServerContext();
void setCurrentServerContext(boost::asio::io_context* context);

}  // namespace fleetdeck::http::detail
