// SseParser: incremental text/event-stream decoder (WHATWG rules): bytes in, whole events out.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace fleetdeck::console {

struct SseEvent {
  QString type = QStringLiteral("message");
  QString data;
  QString id;  // the last event id in effect when this event was dispatched
};

class SseParser {
 public:
  // Feeds a chunk as it arrived from the socket; returns the events it completed. Lines and even
  // CRLF pairs may be split across chunks.
  QList<SseEvent> feed(const QByteArray& chunk);
  void reset();

  // The id a reconnect sends as Last-Event-ID: taken over from an `id:` line only when the event
  // it belongs to is complete (its blank line), so an event cut off by a dropped connection is
  // asked for again instead of being skipped.
  QString lastEventId() const { return lastEventId_; }
  void setLastEventId(const QString& id) { lastEventId_ = idBuffer_ = id; }
  // Milliseconds from the last valid `retry:` field; -1 when none was sent.
  int retryMs() const { return retryMs_; }
  // Comment lines (":hb" heartbeats among them) seen so far.
  int commentCount() const { return comments_; }
  // A line or an event over kMaxEventBytes arrived: what it had so far is dropped, and so should the
  // connection be (a proxy streaming bytes without line ends would otherwise grow memory for ever).
  bool overflowed() const { return overflowed_; }
  static constexpr qsizetype kMaxEventBytes = 1 << 20;  // the gateway's events are a few KiB

 private:
  void processLine(const QByteArray& line, QList<SseEvent>& out);

  QByteArray buffer_;
  bool skipLeadingLf_ = false;  // a CR ended the previous chunk; an LF starting this one belongs to it
  bool firstChunk_ = true;
  QString eventType_;
  QByteArray data_;
  bool hasData_ = false;
  QString lastEventId_;
  QString idBuffer_;  // the spec's "last event ID buffer": what `id:` lines set, committed at dispatch
  int retryMs_ = -1;
  int comments_ = 0;
  bool overflowed_ = false;
};

}  // namespace fleetdeck::console
