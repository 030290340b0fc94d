// Maps (method, path) to handlers using templates such as /api/v1/users/{id}:resetPassword.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

// Answers one request, exactly once, from any thread (see HttpServer).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void send(HttpResponse response) = 0;
};

using Handler = std::function<void(HttpRequest& request, std::shared_ptr<Responder> responder)>;

// A parsed path template: literal segments, {param} segments, an optional ":verb" suffix and an
// optional trailing "{name=**}" that captures the rest of the path.
class RouteTemplate {
 public:
  static Result<RouteTemplate> parse(std::string_view text);

  // On a match, appends the captured parameters (percent-decoded) to `params`.
  bool match(std::string_view path, std::vector<std::pair<std::string, std::string>>& params) const;
  const std::string& text() const { return text_; }
  // Orders templates from most to least specific: literals beat parameters, then longer beats shorter.
  bool moreSpecificThan(const RouteTemplate& other) const;
  const std::vector<std::string>& parameterNames() const { return parameterNames_; }

 private:
  struct Segment {
    std::string literal;  // empty for a parameter
    std::string parameter;
  };
  std::string text_;
  std::vector<Segment> segments_;
  std::string verb_;
  std::string restParameter;  // "{path=**}"
  std::vector<std::string> parameterNames_;
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed template: routes are fixed at start-up.
  void add(std::string method, std::string_view pathTemplate, Handler handler);

  enum class Outcome { kMatched, kNotFound, kMethodNotAllowed };
  struct Lookup {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    const RouteTemplate* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for 405: "GET, PATCH"
  };
  Lookup find(std::string_view method, std::string_view path) const;

  // Dispatches a request: the matched handler, or a 404 / 405 error response.
  void dispatch(HttpRequest& request, std::shared_ptr<Responder> responder) const;

 private:
  struct Route {
    std::string method;
    RouteTemplate pathTemplate;
    Handler handler;
  };
  std::vector<Route> routes_;  // most specific first
};

}  // namespace fleetdeck::http
