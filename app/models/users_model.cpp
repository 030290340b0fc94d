#include "models/users_model.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>

#include "models/display_text.h"

namespace fleetdeck::console {

UsersModel::UsersModel(GatewayClient* client, QObject* parent) : PagedTableModel(client, parent) {}

int UsersModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int UsersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant UsersModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const User& user = rows_.at(index.row());
  if (role == IdRole) return user.id;
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Username: return user.username;
      case DisplayName: return user.displayName;
      case Email: return user.email;
      case Role: return raw ? user.role : display::userRole(user.role);
      case Status: return raw ? user.status : display::userStatus(user.status);
      case Updated: return raw ? QVariant(user.updateTime) : QVariant(display::timestamp(user.updateTime));
      default: return {};
    }
  }
  if (role == Qt::ForegroundRole && user.status == QLatin1String("disabled")) {
    return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
  }
  if (role == Qt::ToolTipRole && index.column() == Updated) return user.updateTime.toLocalTime().toString(Qt::ISODate);
  return {};
}

QVariant UsersModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Username: return tr("Username");
    case DisplayName: return tr("Display name");
    case Email: return tr("Email");
    case Role: return tr("Role", "user role column");
    case Status: return tr("Status", "user status column");
    case Updated: return tr("Updated", "time of last change");
    default: return {};
  }
}

void UsersModel::setFilter(const api::UserFilter& filter) {
  filter_ = filter;
  reload(Keep::Nothing);
}

int UsersModel::rowOf(const QString& id) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).id == id) return row;
  }
  return -1;
}

void UsersModel::updateUser(const User& user) {
  const int row = rowOf(user.id);
  if (row < 0) return;
  rows_[row] = user;
  emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void UsersModel::prependUser(const User& user) {
  if (rowOf(user.id) >= 0) {
    updateUser(user);
    return;
  }
  beginInsertRows({}, 0, 0);
  rows_.prepend(user);
  endInsertRows();
}

void UsersModel::requestPage(const QString& pageToken, int pageSize, quint64 generation) {
  api::listUsers(client(), filter_, pageToken, pageSize, this,
                 [this, generation](const Result<Page<User>>& result) { acceptPage(rows_, generation, result); });
}

}  // namespace fleetdeck::console
