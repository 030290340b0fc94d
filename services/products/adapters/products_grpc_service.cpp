#include "adapters/products_grpc_service.h"

#include "adapters/product_proto.h"
#include "fleetdeck/rpc/audit_response.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/call_context.h"

namespace fleetdeck::products {
namespace {

ChangeContext changeContextFrom(const grpc::ServerContextBase& context) {
  const rpc::CallContext call = rpc::callContextFrom(context);
  return ChangeContext{call.actor, call.traceId()};
}

// "create_time" -> "createTime": violations name fields as clients spell them in JSON.
std::string jsonName(const std::string& path) {
  std::string out;
  bool upper = false;
  for (char c : path) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return out;
}

// Maps the update mask onto domain changes; paths may be snake_case or lowerCamelCase.
Result<ProductChanges> changesFromMask(const v1::UpdateProductRequest& request) {
  ProductChanges changes;
  ValidationErrors errors;
  for (const auto& rawPath : request.update_mask().paths()) {
    const std::string path = jsonName(rawPath);
    if (path == "name") {
      changes.name = request.product().name();
    } else if (path == "description") {
      changes.description = request.product().description();
    } else if (path == "price") {
      changes.price = fromProto(request.product().price());
    } else if (path.starts_with("price.")) {
      errors.add(path, "cannot be changed alone; send the whole price (currencyCode and units)");
    } else if (path == "stock" || path.starts_with("stock.")) {
      errors.add(path, "cannot be edited; restock the product instead");
    } else if (path == "active") {
      errors.add(path, "cannot be edited; delete the product instead");
    } else if (path == "id" || path == "sku" || path == "version" || path == "createTime" || path == "updateTime") {
      errors.add(path, "cannot be changed");
    } else {
      errors.add(path, "is not a field of Product");
    }
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return changes;
}

}  // namespace

rpc::Handled ProductsGrpcService::CreateProduct(rpc::ServerCall* call, const v1::CreateProductRequest* request,
                                                v1::Product* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    NewProduct product{request->sku(), request->name(), request->description(), fromProto(request->price()),
                       request->initial_stock(), request->idempotency_key()};
    auto created = catalog_.create(std::move(product), changeContextFrom(*context));
    if (!created) return created.status();
    toProto(*created, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::GetProduct(rpc::ServerCall* call, const v1::GetProductRequest* request,
                                             v1::Product* response) {
  // A copy in memory is answered on this completion-queue thread: no hop to the pool, no Redis round trip.
  if (auto held = catalog_.peek(request->id())) {
    toProto(*held, *response);
    return call->finish(grpc::Status::OK);
  }
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto product = catalog_.get(request->id());
    if (!product) return product.status();
    toProto(*product, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::BatchGetProducts(rpc::ServerCall* call, const v1::BatchGetProductsRequest* request,
                                                   v1::BatchGetProductsResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto batch = catalog_.batchGet({request->ids().begin(), request->ids().end()});
    if (!batch) return batch.status();
    for (const auto& product : batch->products) toProto(product, *response->add_products());
    for (const auto& id : batch->missingIds) response->add_missing_ids(id);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::ListProducts(rpc::ServerCall* call, const v1::ListProductsRequest* request,
                                               v1::ListProductsResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    ListRequest query{request->page_size(), request->page_token(), request->query(), request->include_inactive()};
    auto page = catalog_.list(query);
    if (!page) return page.status();
    for (const auto& product : page->products) toProto(product, *response->add_products());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::UpdateProduct(rpc::ServerCall* call, const v1::UpdateProductRequest* request,
                                                v1::Product* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto changes = changesFromMask(*request);
    if (!changes) return changes.status();
    auto updated =
        catalog_.update(request->id(), std::move(*changes), request->expected_version(), changeContextFrom(*context));
    if (!updated) return updated.status();
    toProto(*updated, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::DeleteProduct(rpc::ServerCall* call, const v1::DeleteProductRequest* request,
                                                v1::Product* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto deleted = catalog_.remove(request->id(), changeContextFrom(*context));
    if (!deleted) return deleted.status();
    toProto(*deleted, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::RestockProduct(rpc::ServerCall* call, const v1::RestockProductRequest* request,
                                                 v1::Product* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto restocked =
        catalog_.restock(request->id(), request->quantity(), request->idempotency_key(), changeContextFrom(*context));
    if (!restocked) return restocked.status();
    toProto(*restocked, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::ListProductAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                                   common::v1::ListAuditResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page =
        catalog_.listAudit({request->resource_id(), request->actor(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    rpc::fillAuditResponse(page->entries, page->nextPageToken, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::ReserveStock(rpc::ServerCall* call, const v1::ReserveStockRequest* request,
                                               v1::Reservation* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    std::vector<StockLine> lines;
    lines.reserve(request->lines_size());
    for (const auto& line : request->lines()) lines.push_back({line.product_id(), line.quantity()});
    auto reservation = reservations_.reserve(request->reservation_key(), std::move(lines));
    if (!reservation) return reservation.status();
    toProto(*reservation, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::ReleaseStock(rpc::ServerCall* call, const v1::ReleaseStockRequest* request,
                                               v1::Reservation* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto reservation = reservations_.release(request->reservation_key());
    if (!reservation) return reservation.status();
    toProto(*reservation, *response);
    return Status::ok();
  });
}

rpc::Handled ProductsGrpcService::CommitStock(rpc::ServerCall* call, const v1::CommitStockRequest* request,
                                              v1::Reservation* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto reservation = reservations_.commit(request->reservation_key());
    if (!reservation) return reservation.status();
    toProto(*reservation, *response);
    return Status::ok();
  });
}

void ProductsGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::ProductsService::AsyncService;
  server.addAsyncService(async_, v1::ProductsService::service_full_name());
  server.addUnary(async_, &Async::RequestCreateProduct, "CreateProduct", this, &ProductsGrpcService::CreateProduct);
  server.addUnary(async_, &Async::RequestGetProduct, "GetProduct", this, &ProductsGrpcService::GetProduct);
  server.addUnary(async_, &Async::RequestBatchGetProducts, "BatchGetProducts", this,
                  &ProductsGrpcService::BatchGetProducts);
  server.addUnary(async_, &Async::RequestListProducts, "ListProducts", this, &ProductsGrpcService::ListProducts);
  server.addUnary(async_, &Async::RequestUpdateProduct, "UpdateProduct", this, &ProductsGrpcService::UpdateProduct);
  server.addUnary(async_, &Async::RequestDeleteProduct, "DeleteProduct", this, &ProductsGrpcService::DeleteProduct);
  server.addUnary(async_, &Async::RequestRestockProduct, "RestockProduct", this, &ProductsGrpcService::RestockProduct);
  server.addUnary(async_, &Async::RequestListProductAudit, "ListProductAudit", this,
                  &ProductsGrpcService::ListProductAudit);
  server.addUnary(async_, &Async::RequestReserveStock, "ReserveStock", this, &ProductsGrpcService::ReserveStock);
  server.addUnary(async_, &Async::RequestReleaseStock, "ReleaseStock", this, &ProductsGrpcService::ReleaseStock);
  server.addUnary(async_, &Async::RequestCommitStock, "CommitStock", this, &ProductsGrpcService::CommitStock);
}

}  // namespace fleetdeck::products
