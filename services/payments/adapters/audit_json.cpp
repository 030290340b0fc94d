#include "adapters/audit_json.h"

#include <google/protobuf/util/json_util.h>

#include "adapters/payments_grpc_service.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::payments {
namespace {

std::string json(const google::protobuf::Message& message, const char* what) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &text, options); !status.ok()) {
    // Not expected (ids and codes are ASCII); the audit row keeps NULL rather than losing the change.
    log::error("cannot print JSON for the audit trail", {{"what", what}, {"error", std::string(status.message())}});
    return {};
  }
  return text;
}

}  // namespace

std::string walletJson(const Wallet& wallet) {
  v1::Wallet message;
  toProto(wallet, message);
  return json(message, "wallet");
}

std::string faultsJson(const FaultSettings& faults) {
  v1::Faults message;
  toProto(faults, message);
  return json(message, "faults");
}

}  // namespace fleetdeck::payments
