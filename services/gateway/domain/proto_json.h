// Protobuf messages as JSON (the proto3 JSON mapping with primitive fields always printed), written
// straight from reflection: the gateway renders every REST response with it. protobuf 3.21's
// MessageToJsonString goes through a type resolver and an object tree and cost a fifth of the
// transcoding route's CPU; this writer produces byte-identical output (checked field by field
// against it in tests) for the shapes our APIs use, and hands anything else to it.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// What MessageToJsonString(message, options{always_print_primitive_fields = true}) answers.
Result<std::string> protoToJson(const google::protobuf::Message& message);

// True when protoToJson writes messages of this type itself (no doubles, floats, bytes, maps, Any,
// Struct, Duration or wrappers anywhere inside); other types go to protobuf's own printer. For tests.
bool writesNatively(const google::protobuf::Descriptor& type);

}  // namespace fleetdeck::gateway
