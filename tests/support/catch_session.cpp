// Catch2's implementation and session (works with Catch2 v2 and v3). Catch2 v2 is one header whose
// implementation is compiled here and only here (CATCH_CONFIG_RUNNER): the two main() files below
// include only catch_session.hpp, so the library is not compiled twice.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "catch_session.hpp"

int dnn::test::run_catch_session(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
