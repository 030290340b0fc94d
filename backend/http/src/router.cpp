#include "fleetdeck/http/router.h"

#include <algorithm>
#include <stdexcept>

#include "fleetdeck/core/encoding.h"

namespace fleetdeck::http {
namespace {

bool validName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; });
}

// FNV-1a: path segments are short, and a lookup hashes each once.
uint64_t hashOf(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Splits "/a/b/c" into {"a","b","c"}; an empty path or "/" gives no segments.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  // One allocation instead of one per doubling: a lookup splits every request's path.
  segments.reserve(static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  while (!path.empty()) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) segments.emplace_back();  // trailing slash: an empty last segment
  }
  return segments;
}

}  // namespace

SplitPath SplitPath::of(std::string_view path) {
  SplitPath split;
  split.segments = splitPath(path);
  split.hashes.reserve(split.segments.size());
  for (const std::string_view segment : split.segments) split.hashes.push_back(hashOf(segment));
  if (!split.segments.empty()) {
    split.last = split.segments.back();
    split.lastHashWithVerb = split.hashes.back();
    if (const size_t colon = split.last.rfind(':'); colon != std::string_view::npos) {
      split.verb = split.last.substr(colon + 1);
      split.last = split.last.substr(0, colon);
      split.hashes.back() = hashOf(split.last);
    }
  }
  return split;
}

Result<RouteTemplate> RouteTemplate::parse(std::string_view text) {
  RouteTemplate result;
  result.text_ = std::string(text);
  if (text.empty() || text.front() != '/') return invalidArgument("route template must start with '/': " + result.text_);
  std::string_view rest = text;
  // The verb is a ':' suffix on the last segment, outside braces.
  const size_t lastSlash = rest.rfind('/');
  const size_t colon = rest.find(':', lastSlash);
  if (colon != std::string_view::npos && rest.find('}', colon) == std::string_view::npos) {
    result.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!validName(result.verb_)) return invalidArgument("bad verb in route template " + result.text_);
  }
  const auto segments = splitPath(rest);
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view segment = segments[i];
    if (segment.starts_with('{') && segment.ends_with('}')) {
      std::string_view name = segment.substr(1, segment.size() - 2);
      if (name.ends_with("=**")) {
        if (i + 1 != segments.size() || !result.verb_.empty()) {
          return invalidArgument("'**' must be the last segment of " + result.text_);
        }
        result.restParameter = std::string(name.substr(0, name.size() - 3));
        result.parameterNames_.push_back(result.restParameter);
        continue;
      }
      if (!validName(name)) return invalidArgument("bad parameter name in route template " + result.text_);
      result.segments_.push_back({"", std::string(name), 0});
      result.parameterNames_.emplace_back(name);
    } else if (segment.find_first_of("{}:") != std::string_view::npos || segment.empty()) {
      return invalidArgument("bad segment '" + std::string(segment) + "' in route template " + result.text_);
    } else {
      result.segments_.push_back({std::string(segment), "", hashOf(segment)});
    }
  }
  return result;
}

bool RouteTemplate::match(std::string_view path, std::vector<std::pair<std::string, std::string>>& params) const {
  return match(SplitPath::of(path), params);
}

bool RouteTemplate::match(const SplitPath& path, std::vector<std::pair<std::string, std::string>>& params) const {
  const auto& segments = path.segments;
  const bool rest = !restParameter.empty();
  if (rest ? segments.size() < segments_.size() : segments.size() != segments_.size()) return false;
  // Without a rest parameter the last segment is read without its ":verb", which must be this
  // template's; a rest parameter takes the path as it is (and its template has no verb).
  if (rest || segments.empty() ? !verb_.empty() : path.verb != verb_) return false;
  const auto segmentAt = [&](size_t i) { return !rest && i + 1 == segments.size() ? path.last : segments[i]; };
  const auto hashAt = [&](size_t i) { return rest && i + 1 == segments.size() ? path.lastHashWithVerb : path.hashes[i]; };
  // Literals first, by hash: most templates a lookup tries differ in one, and nothing is decoded for
  // them. From the last one back: every route shares "api" and "v1", and the later literals tell them
  // apart, so most templates are refused at their first comparison, without comparing strings.
  for (size_t i = segments_.size(); i-- > 0;) {
    const Segment& expected = segments_[i];
    if (!expected.literal.empty() && (hashAt(i) != expected.literalHash || segmentAt(i) != expected.literal)) {
      return false;
    }
  }
  const size_t before = params.size();
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& expected = segments_[i];
    if (!expected.literal.empty()) continue;
    auto decoded = percentDecode(segmentAt(i));
    if (!decoded || decoded->empty()) {
      params.resize(before);
      return false;
    }
    params.emplace_back(expected.parameter, std::move(*decoded));
  }
  if (!restParameter.empty()) {
    std::string rest;
    for (size_t i = segments_.size(); i < segments.size(); ++i) {
      if (!rest.empty()) rest += '/';
      rest += segments[i];
    }
    params.emplace_back(restParameter, std::move(rest));
  }
  return true;
}

bool RouteTemplate::moreSpecificThan(const RouteTemplate& other) const {
  const size_t common = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < common; ++i) {
    const bool mineLiteral = !segments_[i].literal.empty();
    const bool theirsLiteral = !other.segments_[i].literal.empty();
    if (mineLiteral != theirsLiteral) return mineLiteral;
  }
  if (restParameter.empty() != other.restParameter.empty()) return restParameter.empty();
  return segments_.size() > other.segments_.size();
}

void Router::add(std::string method, std::string_view pathTemplate, Handler handler) {
  auto parsed = RouteTemplate::parse(pathTemplate);
  if (!parsed) throw std::invalid_argument(parsed.status().message());
  Route route{std::move(method), std::move(*parsed), std::move(handler)};
  auto position = std::find_if(routes_.begin(), routes_.end(), [&](const Route& existing) {
    return route.pathTemplate.moreSpecificThan(existing.pathTemplate);
  });
  routes_.insert(position, std::move(route));
  // Routes are added at start-up only; the index is rebuilt after each.
  bySegmentCount_.assign(kIndexedSegments, {});
  for (size_t count = 0; count < kIndexedSegments; ++count) {
    for (size_t index = 0; index < routes_.size(); ++index) {
      const RouteTemplate& candidate = routes_[index].pathTemplate;
      if (candidate.segmentCount() == count || (candidate.capturesRest() && candidate.segmentCount() <= count)) {
        bySegmentCount_[count].push_back(index);
      }
    }
  }
}

Router::Lookup Router::find(std::string_view method, std::string_view path) const {
  Lookup lookup;
  std::vector<std::pair<std::string, std::string>> params;
  const SplitPath split = SplitPath::of(path);
  const auto& segments = split.segments;
  std::vector<size_t> everyRoute;
  const bool indexed = segments.size() < bySegmentCount_.size();  // none before the first route
  if (!indexed) {
    for (size_t index = 0; index < routes_.size(); ++index) everyRoute.push_back(index);
  }
  for (const size_t index : indexed ? bySegmentCount_[segments.size()] : everyRoute) {
    const Route& route = routes_[index];
    params.clear();
    if (!route.pathTemplate.match(split, params)) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      lookup.outcome = Outcome::kMatched;
      lookup.handler = &route.handler;
      lookup.route = &route.pathTemplate;
      lookup.params = std::move(params);
      return lookup;
    }
    lookup.outcome = Outcome::kMethodNotAllowed;
    if (lookup.allow.find(route.method) == std::string::npos) {
      if (!lookup.allow.empty()) lookup.allow += ", ";
      lookup.allow += route.method;
    }
  }
  return lookup;
}

void Router::dispatch(HttpRequest& request, std::shared_ptr<Responder> responder) const {
  Lookup lookup = find(request.method, request.path);
  switch (lookup.outcome) {
    case Outcome::kMatched:
      request.pathParams = std::move(lookup.params);
      request.routeTemplate = lookup.route->text();
      (*lookup.handler)(request, std::move(responder));
      return;
    case Outcome::kMethodNotAllowed: {
      auto response = errorResponse(
          Status(StatusCode::kUnimplemented, "method " + request.method + " is not allowed on " + request.path), "");
      response.status = 405;
      response.headers.add("Allow", lookup.allow);
      responder->send(std::move(response));
      return;
    }
    case Outcome::kNotFound:
      responder->send(errorResponse(notFound("no route for " + request.path), ""));
      return;
  }
}

}  // namespace fleetdeck::http
