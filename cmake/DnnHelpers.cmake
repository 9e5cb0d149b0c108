# Small helpers so every chapter, test and benchmark is declared the same way.

# Compile options shared by all our own targets.
add_library(dnn_options INTERFACE)
target_compile_options(dnn_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
  # GCC 12 false positive inside its own AVX-512 intrinsics (`__m512 __Y = __Y;`, GCC bug 105593),
  # reported wherever Eigen's AVX-512 kernels are inlined.
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wno-maybe-uninitialized>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${DNN_WARNINGS_AS_ERRORS}>>:-Werror>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${DNN_NATIVE}>>:-march=native>)
target_compile_definitions(dnn_options INTERFACE DNN_SANITIZED=$<BOOL:${DNN_SANITIZE}>)
if(DNN_SANITIZE)
  target_compile_options(dnn_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(dnn_options INTERFACE -fsanitize=address,undefined)
endif()

# "Yours" twins. In a reference build (DNN_IMPL=solutions, the default) every chapter program,
# exercise test and benchmark also has a twin <target>_yours that links YOUR exercise bodies
# (dnn_exercises, from exercises/) instead of the reference ones. The twins are EXCLUDE_FROM_ALL:
# the default build, scripts/run.sh and scripts/test.sh never compile exercises/, so a half-done
# exercise cannot break them; scripts/check builds the twins it needs, into build/yours/{bin,tests,bench}/
# under the original names. Both share one compile of the sources (an OBJECT library <target>_objects:
# put compile settings of a chapter or test on <target>_objects, link settings on <target>).
# DNN_TEETH_TESTS (the `ci` preset) adds the twins of the exercise tests to the default build and
# registers every test case of them, run against the untouched stubs, as a ctest test that must FAIL.
if(DNN_IMPL STREQUAL "solutions")
  set(DNN_YOURS_TWINS ON)
else()
  set(DNN_YOURS_TWINS OFF)
endif()

# _dnn_add_twins(<target> <objects> <subdir> <libs...>): <target> (dnn::impl) and <target>_yours
# (dnn_exercises), both linked from the objects of <objects>, into ${PROJECT_BINARY_DIR}/<subdir>.
function(_dnn_add_twins target objects subdir)
  add_executable(${target} $<TARGET_OBJECTS:${objects}>)
  target_link_libraries(${target} PRIVATE dnn::common dnn::impl dnn_options ${ARGN})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${subdir})
  if(DNN_YOURS_TWINS)
    add_executable(${target}_yours EXCLUDE_FROM_ALL $<TARGET_OBJECTS:${objects}>)
    target_link_libraries(${target}_yours PRIVATE dnn::common dnn_exercises dnn_options ${ARGN})
    set_target_properties(${target}_yours PROPERTIES OUTPUT_NAME ${target}
                          RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/yours/${subdir})
  endif()
endfunction()

# dnn_add_chapter(<target> SOURCES <files...> [LIBS <libs...>])
# A chapter program: links common/ and the exercise bodies chosen by DNN_IMPL (and its twin on yours).
function(dnn_add_chapter target)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target}_objects OBJECT ${A_SOURCES})
  target_link_libraries(${target}_objects PRIVATE dnn::common dnn_options ${A_LIBS})
  # Chapter binaries land in build/bin/ so the READMEs can name one path.
  _dnn_add_twins(${target} ${target}_objects bin ${A_LIBS})
endfunction()

# dnn_add_test(<target> SOURCES <files...> [LIBS <libs...>] [LABELS <labels...>])
# A Catch2 test executable; each TEST_CASE becomes one ctest test.
function(dnn_add_test target)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${target} ${A_SOURCES})
  target_link_libraries(${target} PRIVATE dnn_catch_main dnn::common dnn::impl dnn_options ${A_LIBS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  catch_discover_tests(${target} TEST_PREFIX "${target}:"
    PROPERTIES LABELS "${A_LABELS}" ENVIRONMENT "DNN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# dnn_add_exercise_test(<chapter> SOURCES <files...> [LIBS <libs...>] [INCLUDES <dirs...>])
# Tests of the exercise functions, tagged with the exercise's name ("[dense_forward]"). A test case
# with one exercise tag is a unit test of that exercise; one tagged [whole-network] checks several
# exercises together (scripts/check runs those only once every unit test of the chapter passes).
#  - test_<chapter>_exercises links the bodies chosen by DNN_IMPL and must pass (ctest);
#  - test_<chapter>_exercises_yours links yours (scripts/check runs it);
#  - with DNN_TEETH_TESTS, every test case of the twin, run on the untouched stubs, must FAIL
#    (label 'teeth', WILL_FAIL): proof that each test can catch a missing solution.
function(dnn_add_exercise_test chapter)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(t test_${chapter}_exercises)
  add_library(${t}_objects OBJECT ${A_SOURCES})
  target_link_libraries(${t}_objects PRIVATE dnn_catch_main dnn::common dnn_options ${A_LIBS})
  target_include_directories(${t}_objects PRIVATE ${PROJECT_SOURCE_DIR}/tests/support ${A_INCLUDES})
  _dnn_add_twins(${t} ${t}_objects tests dnn_catch_main ${A_LIBS})
  catch_discover_tests(${t} TEST_PREFIX "${t}:"
    PROPERTIES LABELS "exercise;${chapter}" ENVIRONMENT "DNN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(DNN_YOURS_TWINS AND DNN_TEETH_TESTS)
    set_target_properties(${t}_yours PROPERTIES EXCLUDE_FROM_ALL OFF)
    catch_discover_tests(${t}_yours TEST_PREFIX "teeth:${chapter}:"
      PROPERTIES LABELS "teeth" WILL_FAIL TRUE ENVIRONMENT "DNN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()

# dnn_add_cuda_test(<target> SOURCES <files...> [LIBS <libs...>])
# A Catch2 test of CUDA code. Without a usable GPU it prints why and exits 77, which
# ctest counts as *skipped* (SKIP_RETURN_CODE), never as passed.
function(dnn_add_cuda_test target)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT DNN_HAVE_CUDA)
    return()
  endif()
  add_executable(${target} ${A_SOURCES})
  target_link_libraries(${target} PRIVATE dnn_cuda_catch_main dnn::common dnn::impl dnn_options ${A_LIBS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  add_test(NAME ${target} COMMAND ${target})
  set_tests_properties(${target} PROPERTIES SKIP_RETURN_CODE 77 LABELS "cuda")
endfunction()

# dnn_add_benchmark(<target> SOURCES <files...> [LIBS <libs...>] [OWN_MAIN])
# A Google Benchmark program in build/bench/. Timing lives here, never in a test.
# It gets the shared main() (chapters/bench_main.cpp: one thread, machine in the JSON context)
# unless OWN_MAIN says the sources bring their own.
function(dnn_add_benchmark target)
  cmake_parse_arguments(A "OWN_MAIN" "" "SOURCES;LIBS" ${ARGN})
  if(NOT DNN_BUILD_BENCHMARKS)
    return()
  endif()
  add_library(${target}_objects OBJECT ${A_SOURCES})
  target_link_libraries(${target}_objects PRIVATE benchmark::benchmark dnn::common dnn_options ${A_LIBS})
  set(libs benchmark::benchmark ${A_LIBS})
  if(NOT A_OWN_MAIN)
    list(APPEND libs dnn_bench_main)
    target_link_libraries(${target}_objects PRIVATE dnn_bench_main)
  endif()
  _dnn_add_twins(${target} ${target}_objects bench ${libs})
  # Registration check (no timing): Google Benchmark aborts a program whose registration is
  # inconsistent (e.g. both Iterations() and MinTime() on one benchmark) before it times anything.
  # Listing the benchmarks runs every registration, also of the CUDA benchmarks on a machine
  # without a GPU, and must list at least one.
  add_test(NAME ${target}_registers
           COMMAND sh -c [=[list=$("$1" --benchmark_list_tests) && [ -n "$list" ] && echo "$list" | wc -l]=]
                   sh $<TARGET_FILE:${target}>)
  set_tests_properties(${target}_registers PROPERTIES LABELS "bench")
endfunction()

# dnn_add_subfolders(): add_subdirectory() every sub-folder that has a CMakeLists.txt.
macro(dnn_add_subfolders)
  file(GLOB _dnn_subdirs LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT _dnn_subdirs)
  foreach(_d ${_dnn_subdirs})
    if(IS_DIRECTORY ${_d} AND EXISTS ${_d}/CMakeLists.txt)
      add_subdirectory(${_d})
    endif()
  endforeach()
endmacro()
