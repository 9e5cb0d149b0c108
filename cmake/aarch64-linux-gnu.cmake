# Cross-compiling for 64-bit ARM (AArch64, NEON) with Debian's g++-aarch64-linux-gnu; programs built
# this way run on an x86 machine under qemu-user-static (ctest does that by itself through
# CMAKE_CROSSCOMPILING_EMULATOR). Used by tests/portable (scripts/ci-isa.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# The target's C/C++ runtime lives in /usr/aarch64-linux-gnu; header-only libraries (Eigen, JSON,
# CLI11, Catch2) are found in the host's /usr, which is fine for headers.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /usr/aarch64-linux-gnu)
