#include "adapters/products_catalog.h"

#include <map>

#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/status_conversion.h"

namespace fleetdeck::orders {

Result<std::vector<OrderLine>> ProductsCatalog::priceLines(const std::vector<LineRequest>& lines,
                                                           const ChangeContext& context) {
  products::v1::BatchGetProductsRequest request;
  for (const auto& line : lines) request.add_ids(line.productId);
  products::v1::BatchGetProductsResponse response;
  auto call = rpc::makeContext(timeout_);
  // Never past the deadline of the call this lookup serves: the caller has gone by then, and an
  // order priced after it would be placed behind the back of a client told it failed.
  if (context.deadline) {
    if (*context.deadline <= std::chrono::system_clock::now()) {
      return Status(StatusCode::kDeadlineExceeded, "the caller's deadline passed before the products lookup");
    }
    if (*context.deadline < call->deadline()) call->set_deadline(*context.deadline);
  }
  call->AddMetadata("fleetdeck-actor", context.actor);
  const grpc::Status status = stub_->BatchGetProducts(call.get(), request, &response);
  if (!status.ok()) {
    const Status converted = rpc::fromGrpcStatus(status);
    const StatusCode code = converted.code();
    const bool outage = code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
                        code == StatusCode::kResourceExhausted || code == StatusCode::kAborted;
    if (outage) rpc::noteFailedDependency("products");
    // Anything else refused orders' own lookup (its credentials, its request): not the customer's
    // doing, so not relayed as their 400/401/403/404.
    return Status(outage ? code : StatusCode::kInternal, "products service: " + converted.message());
  }
  std::map<std::string, const products::v1::Product*> byId;
  for (const auto& product : response.products()) byId[product.id()] = &product;
  ValidationErrors errors;
  std::vector<OrderLine> priced;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto found = byId.find(lines[i].productId);
    const std::string field = "items[" + std::to_string(i) + "].productId";
    if (found == byId.end()) {
      errors.add(field, "no such product");
      continue;
    }
    const products::v1::Product& product = *found->second;
    if (!product.active()) {
      errors.add(field, "is no longer sold");
      continue;
    }
    priced.push_back({product.id(), product.sku(), product.name(), lines[i].quantity,
                      {product.price().currency_code(), product.price().units()}});
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return priced;
}

}  // namespace fleetdeck::orders
