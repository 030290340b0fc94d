// Catalog over the products service's gRPC API (BatchGetProducts), with a deadline per call.
#pragma once

#include <chrono>
#include <memory>

#include <grpcpp/channel.h>

#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "ports/order_store.h"

namespace fleetdeck::orders {

class ProductsCatalog final : public Catalog {
 public:
  ProductsCatalog(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds timeout)
      : stub_(products::v1::ProductsService::NewStub(std::move(channel))), timeout_(timeout) {}

  Result<std::vector<OrderLine>> priceLines(const std::vector<LineRequest>& lines,
                                            const ChangeContext& context) override;

 private:
  std::unique_ptr<products::v1::ProductsService::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

}  // namespace fleetdeck::orders
