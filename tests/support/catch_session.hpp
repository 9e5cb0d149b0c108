// The Catch2 session, compiled once (catch_session.cpp) for every test program's main():
// catch_main.cpp (every test) and cuda_catch_main.cpp (the CUDA tests, which first check for a GPU).
#pragma once

namespace dnn::test {
// Runs every test case selected by the command line; returns Catch2's exit code.
int run_catch_session(int argc, char* argv[]);
}  // namespace dnn::test
