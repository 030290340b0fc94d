// AlertsModel: firing and pending Prometheus alerts (GET /api/v1/admin/alerts), merged with `alert`
// events from the stream, each with its operator acknowledgement if it has one; reports alerts that
// have just started firing, unacknowledged, so the window can say so.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QVector>
#include <optional>

#include "client/api_types.h"

namespace fleetdeck::console {

class AlertsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Name, Severity, State, Since, Acknowledged, Labels, Summary, ColumnCount };
  enum DataRole {
    RawValueRole = Qt::UserRole + 1,
    // bool, on every column: someone has acknowledged the alert (the row is drawn greyed).
    AcknowledgedRole,
  };

  explicit AlertsModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Replaces the list (inactive alerts are left out), firing first, then by severity and age. Each
  // alert gets the acknowledgement in `acknowledgements` with its name and full label set, or none;
  // without `acknowledgements` (they could not be fetched) alerts keep the ones they already have here.
  void setAlerts(const QVector<PromAlert>& alerts,
                 const std::optional<QVector<AlertAcknowledgement>>& acknowledgements = std::nullopt);
  const PromAlert& alert(int row) const { return rows_.at(row); }
  int rowOf(const QString& key) const;
  int firingCount() const;
  int pendingCount() const;  // active, not firing yet (the rule's `for:` has not run out)
  int acknowledgedCount() const;
  // Sets or (nullopt) clears the acknowledgement of the alert with this key; false if it is not listed.
  bool setAcknowledgement(const QString& alertKey, const std::optional<AlertAcknowledgement>& acknowledgement);
  // "by grace at 12:04:31: on it" — what the Acknowledged column shows.
  static QString acknowledgementText(const AlertAcknowledgement& acknowledgement);

 public slots:
  // Inserts, updates or (state inactive/resolved) removes one alert; its acknowledgement is the one
  // the event carries (none when null).
  void applyAlert(const fleetdeck::console::PromAlert& alert);

 signals:
  // An alert moved into "firing" that was not firing before, and nobody has acknowledged it. Once per
  // firing: the same one met again (a list read before the stream's event, then the next poll) is not.
  void alertFired(const fleetdeck::console::PromAlert& alert);

 private:
  static bool isShown(const PromAlert& alert);
  // Whether `alert`, newly in the list as firing, is news; remembers it as reported.
  bool isNewFiring(const PromAlert& alert);

  QVector<PromAlert> rows_;
  // The firings reported: alert key -> activeAt (when that firing began; a later one has a later
  // one). Forgotten when the alert resolves.
  QHash<QString, QDateTime> reported_;
};

}  // namespace fleetdeck::console
