#include "client/sse_parser.h"

namespace fleetdeck::console {

void SseParser::reset() {
  buffer_.clear();
  skipLeadingLf_ = false;
  firstChunk_ = true;
  eventType_.clear();
  data_.clear();
  hasData_ = false;
  overflowed_ = false;
  // lastEventId_ survives: it is what a reconnect sends as Last-Event-ID. An id of an event that
  // never completed is dropped with the event.
  idBuffer_ = lastEventId_;
}

QList<SseEvent> SseParser::feed(const QByteArray& chunk) {
  QList<SseEvent> events;
  QByteArray input = chunk;
  if (firstChunk_ && !input.isEmpty()) {
    firstChunk_ = false;
    if (input.startsWith("\xEF\xBB\xBF")) input.remove(0, 3);
  }
  if (skipLeadingLf_ && !input.isEmpty()) {
    if (input.front() == '\n') input.remove(0, 1);
    skipLeadingLf_ = false;
  }
  buffer_.append(input);

  qsizetype start = 0;
  for (qsizetype i = 0; i < buffer_.size(); ++i) {
    const char c = buffer_.at(i);
    if (c != '\n' && c != '\r') continue;
    processLine(buffer_.mid(start, i - start), events);
    if (c == '\r') {
      if (i + 1 < buffer_.size()) {
        if (buffer_.at(i + 1) == '\n') ++i;
      } else {
        skipLeadingLf_ = true;
      }
    }
    start = i + 1;
  }
  buffer_.remove(0, start);
  if (buffer_.size() > kMaxEventBytes || data_.size() > kMaxEventBytes) {
    overflowed_ = true;
    buffer_.clear();
    data_.clear();
    hasData_ = false;
  }
  return events;
}

void SseParser::processLine(const QByteArray& line, QList<SseEvent>& out) {
  if (line.isEmpty()) {
    lastEventId_ = idBuffer_;
    if (hasData_) {
      SseEvent event;
      if (!eventType_.isEmpty()) event.type = eventType_;
      QByteArray data = data_;
      if (data.endsWith('\n')) data.chop(1);
      event.data = QString::fromUtf8(data);
      event.id = lastEventId_;
      out.append(event);
    }
    eventType_.clear();
    data_.clear();
    hasData_ = false;
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  const qsizetype colon = line.indexOf(':');
  QByteArray field = colon < 0 ? line : line.left(colon);
  QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
  if (value.startsWith(' ')) value.remove(0, 1);

  if (field == "event") {
    eventType_ = QString::fromUtf8(value);
  } else if (field == "data") {
    data_.append(value);
    data_.append('\n');
    hasData_ = true;
  } else if (field == "id") {
    if (!value.contains('\0')) idBuffer_ = QString::fromUtf8(value);
  } else if (field == "retry") {
    bool ok = !value.isEmpty();
    for (const char c : value) ok = ok && c >= '0' && c <= '9';
    if (ok) retryMs_ = value.toInt(&ok);
  }
  // Any other field is ignored, as the spec says.
}

}  // namespace fleetdeck::console
