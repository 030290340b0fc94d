// Renders every main view of the console (the dead letters too), filled from the demo fleet, and saves
// console-<view>.png (and dark-theme copies, console-<view>-dark.png) into $FLEETDECK_SCREENSHOT_DIR.
// Checks the images are real renderings — the right size and not a blank fill — not how they look.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QImage>
#include <QTest>
#include <QTranslator>

#include "client/connection_monitor.h"
#include "client/event_stream.h"
#include "client/gateway_client.h"
#include "fakes/demo_fleet.h"
#include "fakes/fake_gateway.h"
#include "views/main_window.h"
#include "views/orders_view.h"
#include "views/sagas_view.h"
#include "views/history_view.h"
#include "views/theme.h"

using namespace fleetdeck::console;
using namespace fleetdeck::console::testing;

namespace {

// Distinct colours in a sample grid: a blank or single-colour image has one or two.
int distinctColours(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 7) {
    for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
  }
  return static_cast<int>(colours.size());
}

}  // namespace

class ScreenshotsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void everyMainView_IsCapturedWithDemoData();

 private:
  QString directory_;
};

void ScreenshotsTest::initTestCase() {
  QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
  directory_ = qEnvironmentVariable("FLEETDECK_SCREENSHOT_DIR", QDir::current().filePath(QStringLiteral("screenshots")));
  QDir(directory_).removeRecursively();
  // The English catalogue carries the plural forms; without it "1 attempt(s)" would show.
  const QString qmDirectory = qEnvironmentVariable("FLEETDECK_QM_DIR");
  if (!qmDirectory.isEmpty()) {
    auto* translator = new QTranslator(this);
    QVERIFY2(translator->load(QStringLiteral("fleetdeck_en"), qmDirectory), qPrintable(qmDirectory));
    QApplication::installTranslator(translator);
  }
  QVERIFY(QDir().mkpath(directory_));
}

void ScreenshotsTest::everyMainView_IsCapturedWithDemoData() {
  FakeGateway gateway;
  QVERIFY(gateway.start());
  DemoFleet demo(gateway, 120, 400);
  GatewayClient client;
  client.setBaseUrl(gateway.url());
  EventStream stream(&client);
  bool signedIn = false;
  client.signIn("ada", DemoFleet::kPassword, this, [&](const Result<User>& result) { signedIn = result.ok(); });
  QVERIFY(QTest::qWaitFor([&] { return signedIn; }, 5000));

  for (const QString& theme : {QStringLiteral("light"), QStringLiteral("dark")}) {
    applyTheme(theme);
    ConsoleSettings settings;
    settings.theme = theme;
    MainWindow window(&client, &stream, settings);
    window.resize(1360, 820);
    window.setSignedInUser(client.session().user);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    stream.start();
    // Put something worth seeing on the pages that show one item: a compensated saga with its
    // trace, an order with its lines, and an order's history at a version that changed things.
    const QJsonObject cancelled = demo.order(4);
    window.sagasView()->showSaga(cancelled.value("sagaId").toString());
    window.ordersView()->showOrder(demo.order(1).value("id").toString());
    window.historyView()->showOrder(demo.order(0).value("id").toString(), 3);

    QStringList files;
    bool done = false;
    const QString directory = theme == QLatin1String("light") ? directory_ : QDir(directory_).filePath("dark");
    window.captureScreenshots(directory, 8000, [&](const QStringList& written) {
      files = written;
      done = true;
    });
    QVERIFY(QTest::qWaitFor([&] { return done; }, 90000));
    QCOMPARE(files.size(), window.pageKeys().size());
    QVERIFY(window.pageKeys().contains(QStringLiteral("dead-letters")));
    QVERIFY(window.pageKeys().contains(QStringLiteral("traces")));
    for (const QString& file : files) {
      const QImage image(file);
      QVERIFY2(!image.isNull(), qPrintable(file));
      QVERIFY2(image.width() >= 1300 && image.height() >= 760, qPrintable(file));
      QVERIFY2(distinctColours(image) > 20, qPrintable(file));
      if (theme == QLatin1String("dark")) {
        // Named console-<view>-dark.png beside the light ones.
        const QString target = QDir(directory_).filePath(QFileInfo(file).completeBaseName() + QStringLiteral("-dark.png"));
        QFile::remove(target);
        QVERIFY(QFile::rename(file, target));
      }
    }
    stream.stop();
  }
  QDir(QDir(directory_).filePath("dark")).removeRecursively();
  qInfo("screenshots in %s", qPrintable(directory_));
}

QTEST_MAIN(ScreenshotsTest)
#include "tst_screenshots.moc"
