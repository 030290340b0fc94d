// Compiled into every FleetDeck target of a sanitizer build (FLEETDECK_SANITIZE): LeakSanitizer's
// built-in suppressions, so the asan preset needs no LSAN_OPTIONS in the environment of each test
// and of each service process the tests start.
//
// libpqxx 6.4 leaks the error result (216 bytes, and its 2 KiB block) of a statement sent on a
// connection the server has ended (pg_terminate_backend, a restart): reproduced with libpqxx alone,
// a `work` whose backend was terminated and one exec() after it. The fleet's tests end sessions that
// way on purpose. Only stacks through libpqxx match: a result of our own left uncleared (the
// pipelined commit reads its results with libpq directly) is still reported.
//
// libdbus (through Qt's platform integration in the console's tests) keeps a 1 KiB buffer it never
// frees. Memory the fleet leaves to a C library on purpose is marked in the code instead
// (fleetdeck/core/leak_on_purpose.h).
//
// Weak: every target compiles it, and a static library's copy must not clash with the executable's.
extern "C" __attribute__((weak)) const char* __lsan_default_suppressions() {
  return "leak:libpqxx-6.4.so\n"
         "leak:libdbus-1.so\n";
}
