// UsersModel: the users list (GET /api/v1/users) as a paged table, filtered by role, status and text.
#pragma once

#include <QVector>

#include "client/api_types.h"
#include "client/gateway_api.h"
#include "models/paged_table_model.h"

namespace fleetdeck::console {

class UsersModel : public PagedTableModel {
  Q_OBJECT

 public:
  enum Column { Username, DisplayName, Email, Role, Status, Updated, ColumnCount };
  enum DataRole { IdRole = Qt::UserRole + 1, RawValueRole };

  explicit UsersModel(GatewayClient* client, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  void setFilter(const api::UserFilter& filter);
  const api::UserFilter& filter() const { return filter_; }
  const User& user(int row) const { return rows_.at(row); }
  int rowOf(const QString& id) const;
  // Puts a user the gateway returned (after an edit) in place of the row with the same id.
  void updateUser(const User& user);
  // A created user appears on top, whatever page it would be on.
  void prependUser(const User& user);

 protected:
  void requestPage(const QString& pageToken, int pageSize, quint64 generation) override;
  void clearRows() override { rows_.clear(); }

 private:
  api::UserFilter filter_;
  QVector<User> rows_;
};

}  // namespace fleetdeck::console
