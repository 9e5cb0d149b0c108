# All third-party code comes from distro packages, found here. Nothing is downloaded.
find_package(Threads REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(ZLIB REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(benchmark REQUIRED)
find_package(Boost REQUIRED COMPONENTS iostreams filesystem)  # gnuplot-iostream uses both
find_package(PkgConfig REQUIRED)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
find_path(GNUPLOT_IOSTREAM_INCLUDE_DIR gnuplot-iostream.h REQUIRED)
find_package(OpenMP COMPONENTS CXX)

# MPI is optional (chapter 08, distributed training): Open MPI from Debian (openmpi-bin,
# libopenmpi-dev). Without it chapter 08, its exercises and its tests are skipped; everything else builds.
find_package(MPI COMPONENTS CXX)
if(MPI_CXX_FOUND)
  set(DNN_HAVE_MPI ON)
  message(STATUS "MPI: version ${MPI_CXX_VERSION}, mpirun ${MPIEXEC_EXECUTABLE}")
else()
  set(DNN_HAVE_MPI OFF)
  message(STATUS "MPI: not found — chapter 08 (08_parallel) is skipped (install openmpi-bin libopenmpi-dev: scripts/setup.sh)")
endif()

# Catch2: v3 (Catch2WithMain) or v2.13 (single header) — the tests build with either.
find_package(Catch2 REQUIRED)
set(DNN_CATCH_TARGET Catch2::Catch2)  # the same target name in v2 and v3 (we bring our own main)
include(Catch)

find_program(GNUPLOT_EXECUTABLE gnuplot)
if(NOT GNUPLOT_EXECUTABLE)
  message(STATUS "gnuplot not found: programs still write CSV, but no PNG plots (run scripts/setup.sh)")
endif()

# CUDA is optional. DNN_ENABLE_CUDA:
#   AUTO (default) the .cu files are compiled when nvcc exists AND this machine has an NVIDIA GPU
#                  (`nvidia-smi -L` lists one): a learner without a GPU does not wait for CUDA objects
#                  they cannot run;
#   ON             whenever nvcc exists, GPU or not (CI: the `ci` preset; scripts/gpu-check.sh);
#   OFF            never.
# Without nvcc everything else still builds.
set(DNN_ENABLE_CUDA AUTO CACHE STRING "Build the CUDA code: AUTO (nvcc and a GPU), ON (whenever nvcc exists) or OFF")
set_property(CACHE DNN_ENABLE_CUDA PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${DNN_ENABLE_CUDA}" _dnn_cuda_mode)
set(DNN_CUDA_WHY "")  # why CUDA is off, for the summary line and the programs' GPU messages
if(_dnn_cuda_mode STREQUAL "AUTO")
  set(_dnn_gpu_found OFF)
  find_program(DNN_NVIDIA_SMI nvidia-smi)
  if(DNN_NVIDIA_SMI)
    execute_process(COMMAND ${DNN_NVIDIA_SMI} -L RESULT_VARIABLE _dnn_smi_rc OUTPUT_VARIABLE _dnn_smi_out
                    ERROR_QUIET TIMEOUT 20)
    if(_dnn_smi_rc EQUAL 0 AND _dnn_smi_out MATCHES "GPU [0-9]")
      set(_dnn_gpu_found ON)
    endif()
  endif()
  if(_dnn_gpu_found)
    set(_dnn_want_cuda ON)
  else()
    set(_dnn_want_cuda OFF)
    set(DNN_CUDA_WHY "no NVIDIA GPU found (nvidia-smi) when this build was configured (to compile the CUDA code anyway: cmake --preset default -DDNN_ENABLE_CUDA=ON)")
  endif()
elseif(DNN_ENABLE_CUDA)
  set(_dnn_want_cuda ON)
else()
  set(_dnn_want_cuda OFF)
  set(DNN_CUDA_WHY "this build was configured with -DDNN_ENABLE_CUDA=OFF")
endif()
include(CheckLanguage)
if(_dnn_want_cuda AND NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
set(DNN_HAVE_CUDA OFF)
if(_dnn_want_cuda)
  check_language(CUDA)
endif()
if(_dnn_want_cuda AND CMAKE_CUDA_COMPILER)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # sm_80 (A100) and sm_90 (H100/H200). Override with -DCMAKE_CUDA_ARCHITECTURES=...
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(DNN_HAVE_CUDA ON)
  message(STATUS "CUDA: nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
elseif(NOT _dnn_want_cuda)
  message(STATUS "CUDA: not built: ${DNN_CUDA_WHY}")
else()
  set(DNN_CUDA_WHY "CMake found no nvcc (install the CUDA Toolkit, then configure again)")
  message(STATUS "CUDA: no nvcc found — the CUDA kernels and tests are not built (everything else is)")
endif()
