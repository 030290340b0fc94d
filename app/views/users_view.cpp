#include "views/users_view.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <utility>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "models/users_model.h"
#include "views/action_button.h"
#include "views/dialogs.h"
#include "views/list_table.h"
#include "views/user_edit_dialog.h"

namespace fleetdeck::console {

UsersView::UsersView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new UsersModel(client, this)),
      searchEdit_(new QLineEdit(this)),
      roleFilter_(new QComboBox(this)),
      statusFilter_(new QComboBox(this)),
      table_(new QTableView(this)),
      statusLine_(new QLabel(this)),
      searchDelay_(new QTimer(this)) {
  setObjectName(QStringLiteral("usersView"));
  searchEdit_->setObjectName(QStringLiteral("userSearch"));
  searchEdit_->setPlaceholderText(tr("Search by name, user name or email"));
  searchEdit_->setClearButtonEnabled(true);
  roleFilter_->addItem(tr("All roles"), QString());
  for (const char* role : {"admin", "operator", "customer"}) roleFilter_->addItem(display::userRole(QLatin1String(role)), QLatin1String(role));
  statusFilter_->addItem(tr("Any status", "user status filter"), QString());
  for (const char* status : {"active", "disabled"}) statusFilter_->addItem(display::userStatus(QLatin1String(status)), QLatin1String(status));

  createAction_ = new QAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("New user…"), this);
  createAction_->setObjectName(QStringLiteral("users.create"));
  createAction_->setShortcut(QKeySequence::New);
  createAction_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  editAction_ = new QAction(QIcon::fromTheme(QStringLiteral("document-edit")), tr("Edit…", "edit a user"), this);
  editAction_->setObjectName(QStringLiteral("users.edit"));
  editAction_->setShortcut(Qt::Key_F2);
  editAction_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  disableAction_ = new QAction(tr("Disable…", "disable a user account"), this);
  disableAction_->setObjectName(QStringLiteral("users.disable"));
  resetAction_ = new QAction(tr("Reset password…"), this);
  resetAction_->setObjectName(QStringLiteral("users.resetPassword"));
  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("users.refresh"));
  for (QAction* action : {createAction_, editAction_, disableAction_, resetAction_, refreshAction_}) addAction(action);

  auto* filters = new QHBoxLayout;
  filters->addWidget(searchEdit_, 2);
  filters->addWidget(roleFilter_);
  filters->addWidget(statusFilter_);
  filters->addStretch(1);
  for (QAction* action : {createAction_, editAction_, disableAction_, resetAction_, refreshAction_}) {
    filters->addWidget(actionButton(action, this));
  }

  table_->setObjectName(QStringLiteral("usersTable"));
  table_->setModel(model_);
  setUpListTable(table_, {{UsersModel::Username, 150}, {UsersModel::DisplayName, 190}, {UsersModel::Email, 240}});
  statusLine_->setObjectName(QStringLiteral("usersStatusLine"));

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filters);
  layout->addWidget(table_, 1);
  layout->addWidget(statusLine_);

  searchDelay_->setSingleShot(true);
  searchDelay_->setInterval(300);
  connect(searchEdit_, &QLineEdit::textChanged, searchDelay_, qOverload<>(&QTimer::start));
  connect(searchDelay_, &QTimer::timeout, this, &UsersView::applyFilter);
  connect(roleFilter_, &QComboBox::currentIndexChanged, this, &UsersView::applyFilter);
  connect(statusFilter_, &QComboBox::currentIndexChanged, this, &UsersView::applyFilter);
  connect(createAction_, &QAction::triggered, this, &UsersView::createUser);
  connect(editAction_, &QAction::triggered, this, &UsersView::editSelected);
  connect(disableAction_, &QAction::triggered, this, &UsersView::disableSelected);
  connect(resetAction_, &QAction::triggered, this, &UsersView::resetPasswordOfSelected);
  connect(refreshAction_, &QAction::triggered, this, &UsersView::refresh);
  connect(table_, &QTableView::doubleClicked, this, [this] {
    if (isEditable()) editSelected();
  });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &UsersView::updateActions);
  // Taken as the rows are replaced, not when the refresh started: a row chosen meanwhile wins.
  connect(model_, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
    if (!std::exchange(reselectArmed_, false)) return;
    const int row = selectedRow();
    reselectId_ = row >= 0 ? model_->user(row).id : QString();
  });
  connect(model_, &QAbstractItemModel::modelReset, this, &UsersView::updateActions);
  connect(model_, &QAbstractItemModel::dataChanged, this, &UsersView::updateActions);
  connect(model_, &PagedTableModel::pageLoaded, this, [this] {
    answered_ = true;
    updateStatusLine();
    reselectAfterReload();
  });
  connect(model_, &PagedTableModel::loadingChanged, this, &UsersView::updateStatusLine);
  connect(model_, &PagedTableModel::staleChanged, this, &UsersView::updateStatusLine);
  connect(model_, &PagedTableModel::loadFailed, this, [this](const ApiError& error) {
    answered_ = true;
    reselectArmed_ = false;  // the rows shown stay, and the selection with them
    reselectId_.clear();
    updateStatusLine();
    emit statusMessage(tr("Users: %1").arg(error.summary()));
  });
  updateActions();
}

QString UsersView::title() const { return tr("Users"); }
QIcon UsersView::icon() const { return QIcon(QStringLiteral(":/icons/users.svg")); }

void UsersView::activate() {
  if (started_) return;
  started_ = true;
  model_->reload();
}

void UsersView::refresh() {
  started_ = true;
  // F5, back online, a stream gap: the user being looked at stays selected.
  reselectArmed_ = true;
  reselectId_.clear();
  reselectPages_ = model_->pagesLoaded();
  model_->reload(PagedTableModel::Keep::RowsUntilReplaced);
}

void UsersView::reselectAfterReload() {
  if (reselectId_.isEmpty()) return;
  if (const int row = model_->rowOf(reselectId_); row >= 0) {
    reselectId_.clear();
    table_->selectRow(row);
    table_->scrollTo(model_->index(row, 0));
    return;
  }
  if (model_->pagesLoaded() < reselectPages_ && model_->canFetchMore({})) {
    model_->fetchMore({});
    return;
  }
  reselectId_.clear();  // deleted meanwhile, or no longer matching the filter
}

bool UsersView::isReady() const { return answered_ && !model_->isLoading(); }

void UsersView::setEditable(bool editable) {
  ViewPage::setEditable(editable);
  for (QAction* action : {createAction_, editAction_, disableAction_, resetAction_}) action->setVisible(editable);
  updateActions();
}

QList<QAction*> UsersView::paletteActions() const {
  QList<QAction*> actions{refreshAction_};
  if (isEditable()) actions << createAction_ << editAction_ << disableAction_ << resetAction_;
  return actions;
}

int UsersView::selectedRow() const {
  const QModelIndexList rows = table_->selectionModel()->selectedRows();
  return rows.isEmpty() ? -1 : rows.first().row();
}

void UsersView::applyFilter() {
  reselectArmed_ = false;
  reselectId_.clear();
  model_->setFilter(api::UserFilter{roleFilter_->currentData().toString(), statusFilter_->currentData().toString(),
                                    searchEdit_->text().trimmed()});
}

void UsersView::updateActions() {
  const int row = selectedRow();
  const bool selected = row >= 0;
  for (QAction* action : {createAction_, editAction_, disableAction_, resetAction_}) action->setEnabled(isEditable());
  const bool free = isEditable() && selected && !userCallInFlight_;
  editAction_->setEnabled(free);
  resetAction_->setEnabled(free);
  disableAction_->setEnabled(free && model_->user(row).status != QLatin1String("disabled"));
}

void UsersView::setUserCallInFlight(bool inFlight) {
  userCallInFlight_ = inFlight;
  table_->setCursor(inFlight ? Qt::BusyCursor : Qt::ArrowCursor);
  updateActions();
}

void UsersView::updateStatusLine() {
  QString text;
  if (model_->isLoading()) {
    text = tr("Loading users…");
  } else if (const auto error = model_->lastError(); error.has_value()) {
    text = model_->isStale() ? tr("Showing older data: the last refresh failed (%1).").arg(error->summary())
                             : tr("Could not load users: %1").arg(error->summary());
  } else {
    text = model_->hasMore() ? tr("%n user(s) loaded; scroll for more.", "", model_->rowCount())
                             : tr("%n user(s).", "", model_->rowCount());
  }
  statusLine_->setText(text);
}

UserEditDialog* UsersView::editDialog() const { return editDialog_; }

void UsersView::createUser() {
  if (!isEditable()) return;
  editDialog_ = new UserEditDialog(client_, this);
  editDialog_->setAttribute(Qt::WA_DeleteOnClose);
  connect(editDialog_, &UserEditDialog::saved, this, [this](const User& user) {
    model_->prependUser(user);
    emit statusMessage(tr("Created user %1.").arg(user.username));
  });
  editDialog_->open();
}

void UsersView::editSelected() {
  const int row = selectedRow();
  if (!isEditable() || row < 0) return;
  editDialog_ = new UserEditDialog(client_, model_->user(row), this);
  editDialog_->setAttribute(Qt::WA_DeleteOnClose);
  connect(editDialog_, &UserEditDialog::saved, this, [this](const User& user) {
    model_->updateUser(user);
    emit statusMessage(tr("Saved %1.").arg(user.username));
  });
  editDialog_->open();
}

void UsersView::disableSelected() {
  const int row = selectedRow();
  if (!isEditable() || row < 0 || userCallInFlight_) return;
  const User user = model_->user(row);
  confirmAction(this, tr("Disable user"),
                tr("Disable %1? They can no longer sign in; their history stays.").arg(user.username),
                tr("Disable", "disable a user account"), [this, user] {
                  if (userCallInFlight_) return;
                  setUserCallInFlight(true);
                  emit statusMessage(tr("Disabling %1…").arg(user.username));
                  api::disableUser(client_, user.id, this, [this](const Result<User>& result) {
                    setUserCallInFlight(false);
                    if (!result) {
                      emit statusMessage(QString());
                      showError(this, tr("Could not disable the user"), result.error().message, result.error().traceId);
                      return;
                    }
                    model_->updateUser(result.value());
                    updateActions();
                    emit statusMessage(tr("Disabled %1.").arg(result->username));
                  });
                });
}

void UsersView::resetPasswordOfSelected() {
  const int row = selectedRow();
  if (!isEditable() || row < 0 || userCallInFlight_) return;
  const User user = model_->user(row);
  confirmAction(this, tr("Reset password"),
                tr("Give %1 a new temporary password? Their current password stops working.").arg(user.username),
                tr("Reset password"), [this, user] {
                  if (userCallInFlight_) return;
                  setUserCallInFlight(true);
                  emit statusMessage(tr("Resetting the password of %1…").arg(user.username));
                  api::resetPassword(client_, user.id, this, [this, user](const Result<QString>& result) {
                    setUserCallInFlight(false);
                    emit statusMessage(QString());
                    if (!result) {
                      showError(this, tr("Could not reset the password"), result.error().message, result.error().traceId);
                      return;
                    }
                    auto* box = new QMessageBox(QMessageBox::Information, tr("Temporary password"),
                                                tr("The temporary password of %1 is shown once:").arg(user.username),
                                                QMessageBox::Close, this);
                    box->setObjectName(QStringLiteral("temporaryPasswordDialog"));
                    box->setAttribute(Qt::WA_DeleteOnClose);
                    box->setInformativeText(result.value());
                    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
                    QPushButton* copy = box->addButton(tr("Copy"), QMessageBox::ActionRole);
                    const QString password = result.value();
                    connect(copy, &QPushButton::clicked, box, [password] { QApplication::clipboard()->setText(password); });
                    box->open();
                  });
                });
}

}  // namespace fleetdeck::console
