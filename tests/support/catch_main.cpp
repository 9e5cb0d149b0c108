// The one main() of every Catch2 test program (the session itself: catch_session.cpp).
#include "catch_session.hpp"

int main(int argc, char* argv[]) { return dnn::test::run_catch_session(argc, argv); }
