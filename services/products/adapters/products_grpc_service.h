// The products service's gRPC face: proto <-> domain conversion around ProductCatalog and
// StockReservations, served by rpc::RpcServer's completion-queue threads.
#pragma once

#include "domain/product_catalog.h"
#include "domain/stock_reservations.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::products {

class ProductsGrpcService final {
 public:
  ProductsGrpcService(ProductCatalog& catalog, StockReservations& reservations, WorkPool& pool)
      : catalog_(catalog), reservations_(reservations), pool_(pool) {}

  rpc::Handled CreateProduct(rpc::ServerCall* call, const v1::CreateProductRequest* request, v1::Product* response);
  rpc::Handled GetProduct(rpc::ServerCall* call, const v1::GetProductRequest* request, v1::Product* response);
  rpc::Handled BatchGetProducts(rpc::ServerCall* call, const v1::BatchGetProductsRequest* request,
                                v1::BatchGetProductsResponse* response);
  rpc::Handled ListProducts(rpc::ServerCall* call, const v1::ListProductsRequest* request,
                            v1::ListProductsResponse* response);
  rpc::Handled UpdateProduct(rpc::ServerCall* call, const v1::UpdateProductRequest* request, v1::Product* response);
  rpc::Handled DeleteProduct(rpc::ServerCall* call, const v1::DeleteProductRequest* request, v1::Product* response);
  rpc::Handled RestockProduct(rpc::ServerCall* call, const v1::RestockProductRequest* request, v1::Product* response);
  rpc::Handled ListProductAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                common::v1::ListAuditResponse* response);
  rpc::Handled ReserveStock(rpc::ServerCall* call, const v1::ReserveStockRequest* request, v1::Reservation* response);
  rpc::Handled ReleaseStock(rpc::ServerCall* call, const v1::ReleaseStockRequest* request, v1::Reservation* response);
  rpc::Handled CommitStock(rpc::ServerCall* call, const v1::CommitStockRequest* request, v1::Reservation* response);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::ProductsService::AsyncService async_;
  ProductCatalog& catalog_;
  StockReservations& reservations_;
  WorkPool& pool_;
};

}  // namespace fleetdeck::products
