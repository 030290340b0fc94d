// The products service's gRPC face: proto <-> domain conversion around ProductCatalog and
// StockReservations, on the callback API.
#pragma once

#include "domain/product_catalog.h"
#include "domain/stock_reservations.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"

namespace fleetdeck::products {

class ProductsGrpcService final : public v1::ProductsService::CallbackService {
 public:
  ProductsGrpcService(ProductCatalog& catalog, StockReservations& reservations, WorkPool& pool)
      : catalog_(catalog), reservations_(reservations), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateProduct(grpc::CallbackServerContext* context, const v1::CreateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context, const v1::GetProductRequest* request,
                                       v1::Product* response) override;
  grpc::ServerUnaryReactor* BatchGetProducts(grpc::CallbackServerContext* context,
                                             const v1::BatchGetProductsRequest* request,
                                             v1::BatchGetProductsResponse* response) override;
  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* context, const v1::ListProductsRequest* request,
                                         v1::ListProductsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProduct(grpc::CallbackServerContext* context, const v1::UpdateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* DeleteProduct(grpc::CallbackServerContext* context, const v1::DeleteProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* RestockProduct(grpc::CallbackServerContext* context,
                                           const v1::RestockProductRequest* request, v1::Product* response) override;
  grpc::ServerUnaryReactor* ListProductAudit(grpc::CallbackServerContext* context,
                                             const common::v1::ListAuditRequest* request,
                                             common::v1::ListAuditResponse* response) override;
  grpc::ServerUnaryReactor* ReserveStock(grpc::CallbackServerContext* context, const v1::ReserveStockRequest* request,
                                         v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ReleaseStock(grpc::CallbackServerContext* context, const v1::ReleaseStockRequest* request,
                                         v1::Reservation* response) override;
  grpc::ServerUnaryReactor* CommitStock(grpc::CallbackServerContext* context, const v1::CommitStockRequest* request,
                                        v1::Reservation* response) override;

 private:
  ProductCatalog& catalog_;
  StockReservations& reservations_;
  WorkPool& pool_;
};

}  // namespace fleetdeck::products
