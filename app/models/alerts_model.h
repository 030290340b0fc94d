// AlertsModel: firing and pending Prometheus alerts (GET /api/v1/admin/alerts), merged with `alert`
// events from the stream; reports alerts that have just started firing so the window can say so.
#pragma once

#include <QAbstractTableModel>
#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

class AlertsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Name, Severity, State, Since, Labels, Summary, ColumnCount };
  enum DataRole { RawValueRole = Qt::UserRole + 1 };

  explicit AlertsModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Replaces the list (inactive alerts are left out), firing first, then by severity and age.
  void setAlerts(const QVector<PromAlert>& alerts);
  const PromAlert& alert(int row) const { return rows_.at(row); }
  int firingCount() const;

 public slots:
  // Inserts, updates or (state inactive/resolved) removes one alert.
  void applyAlert(const fleetdeck::console::PromAlert& alert);

 signals:
  // An alert moved into "firing" that was not firing before.
  void alertFired(const fleetdeck::console::PromAlert& alert);

 private:
  int rowOf(const QString& key) const;
  static bool isShown(const PromAlert& alert);

  QVector<PromAlert> rows_;
};

}  // namespace fleetdeck::console
