// MPI for the chapter-08 tests: started on first use, stopped at exit. Run plainly (ctest's
// per-case runs, scripts/check), a test program is one rank (an MPI singleton); under
// `mpirun -np P` (the ctest entries ch08_*_P2 ... in tests/ch08/CMakeLists.txt) it is P ranks,
// every rank running the same test cases. Tests that call MPI use CHECK, not REQUIRE, so that a
// failing rank still reaches the collective calls the others wait in.
#pragma once

#include <mpi.h>

#include <cstdlib>

#if DNN_SANITIZED
#include <sanitizer/lsan_interface.h>
#endif

namespace ch08test {

inline void finalize_mpi() { MPI_Finalize(); }

/// MPI_COMM_WORLD, after MPI_Init on the first call.
inline MPI_Comm world() {
  static const bool started = [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
#if DNN_SANITIZED
      // Open MPI's components keep allocations made in MPI_Init and in the collectives to the end
      // (LeakSanitizer reports them); leak checking stays off from here on in this test program.
      // AddressSanitizer's other checks and UBSan stay on.
      __lsan_disable();
#endif
      MPI_Init(nullptr, nullptr);
      std::atexit(finalize_mpi);
    }
    return true;
  }();
  (void)started;
  return MPI_COMM_WORLD;
}

inline int world_size() {
  int p = 1;
  MPI_Comm_size(world(), &p);
  return p;
}

inline int world_rank() {
  int r = 0;
  MPI_Comm_rank(world(), &r);
  return r;
}

}  // namespace ch08test
