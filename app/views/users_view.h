// UsersView: the users admin page — searchable, paged table; create, edit, disable, reset password.
#pragma once

#include <QPointer>

#include "views/view_page.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTimer;

namespace fleetdeck::console {

class GatewayClient;
class UsersModel;
class UserEditDialog;

class UsersView : public ViewPage {
  Q_OBJECT

 public:
  explicit UsersView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("users"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override;
  void setEditable(bool editable) override;
  QList<QAction*> paletteActions() const override;

  UsersModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  // The edit dialog last opened (tests answer it).
  UserEditDialog* editDialog() const;

 public slots:
  void createUser();
  void editSelected();
  void disableSelected();
  void resetPasswordOfSelected();

 private:
  int selectedRow() const;
  void applyFilter();
  void updateActions();
  void updateStatusLine();
  // While a disable or password reset is on its way the row's actions wait for it: a second reset
  // would void the password the first one shows.
  void setUserCallInFlight(bool inFlight);
  // After a refresh's first page replaced the rows: selects the user selected before, fetching the
  // next pages (as many as were loaded) when that user is further down.
  void reselectAfterReload();

  GatewayClient* client_;
  UsersModel* model_;
  QLineEdit* searchEdit_;
  QComboBox* roleFilter_;
  QComboBox* statusFilter_;
  QTableView* table_;
  QLabel* statusLine_;
  QTimer* searchDelay_;
  QAction* createAction_;
  QAction* editAction_;
  QAction* disableAction_;
  QAction* resetAction_;
  QAction* refreshAction_;
  // Nulled by Qt when the dialog goes (a lambda on its destroyed() could run while this view is
  // being destroyed: its children go after its own members).
  QPointer<UserEditDialog> editDialog_;
  bool started_ = false;
  bool answered_ = false;
  bool userCallInFlight_ = false;
  bool reselectArmed_ = false;  // a refresh is on its way: its rows will replace the shown ones
  QString reselectId_;          // the user selected when they were replaced; empty once put back
  int reselectPages_ = 0;       // pages loaded before the refresh: how far to look for that user
};

}  // namespace fleetdeck::console
