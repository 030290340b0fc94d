#include "fleetdeck/rpc/status_conversion.h"

#include "fleetdeck/common/v1/common.pb.h"

namespace fleetdeck::rpc {

grpc::Status toGrpcStatus(const Status& status) {
  if (status.isOk()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(static_cast<int>(status.code()));
  if (status.violations().empty()) return grpc::Status(code, status.message());
  common::v1::ErrorDetails details;
  for (const auto& violation : status.violations()) {
    auto* added = details.add_field_violations();
    added->set_field(violation.field);
    added->set_reason(violation.reason);
  }
  common::v1::RpcStatus wire;
  wire.set_code(static_cast<int>(status.code()));
  wire.set_message(status.message());
  wire.add_details()->PackFrom(details);
  return grpc::Status(code, status.message(), wire.SerializeAsString());
}

Status fromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::ok();
  std::vector<FieldViolation> violations;
  if (!status.error_details().empty()) {
    common::v1::RpcStatus wire;
    if (wire.ParseFromString(status.error_details())) {
      for (const auto& any : wire.details()) {
        common::v1::ErrorDetails details;
        if (any.UnpackTo(&details)) {
          for (const auto& violation : details.field_violations()) {
            violations.push_back({violation.field(), violation.reason()});
          }
        }
      }
    }
  }
  return Status(static_cast<StatusCode>(static_cast<int>(status.error_code())), status.error_message(),
                std::move(violations));
}

}  // namespace fleetdeck::rpc
