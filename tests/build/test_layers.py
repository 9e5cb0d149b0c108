#!/usr/bin/env python3
"""tests/build/test_layers.py BUILD_DIR HAVE_CUDA(0|1) — the three libraries of common/ keep their places.

docs/design.md draws the house: dnn_io (common/io: command line, result files, plots, progress,
IDX) knows nothing of networks; dnn_core (common/src: the math and training core) builds on it;
dnn_cuda (common/cuda) builds on the core, and only the programs that use the GPU link it.
Checked here, without compiling anything:
  - io sources and io headers include only io headers (and two header-only types: the Matrix a
    plot draws, the SIMD width a log records);
  - nothing in common/src, common/io or a CPU chapter includes a CUDA header;
  - no header but dnn/cli.hpp includes CLI11 (CLI/CLI.hpp, or dnn/cli.hpp): CLI11 is header-only
    and costs ~15 s of compile in every file that includes it, so only the files that declare
    flags (a main.cpp, an options file) include it, and dnn/options.hpp carries the rest;
  - a CPU chapter's binary has no libcudart/libcublas (ldd) and building it compiles no .cu file;
    when the build has CUDA, the GPU chapters do link libcudart (so this check can fail).
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
IO_HEADERS = {"cli", "options", "log", "plot", "progress", "idx", "error", "timer", "exercise"}
IO_MAY_ALSO_INCLUDE = {"matrix", "simd"}  # header-only: the Matrix a plot draws, the ISA a log names
CUDA_HEADERS = {"cuda_device", "cuda_kernels", "gpu_trainer", "device_buffer"}
GPU_CHAPTERS = {"05_mlp", "06_kernels", "07_fast"}  # --backend cuda / --device cuda / the GPU trainer
INCLUDE = re.compile(r'^\s*#\s*include\s+"dnn/(\w+)\.hpp"', re.M)


def includes(path):
    return set(INCLUDE.findall(path.read_text(errors="replace")))


def main(argv):
    build = pathlib.Path(argv[0])
    problems = []

    io_files = sorted((ROOT / "common/io").glob("*.cpp")) + [ROOT / f"common/include/dnn/{h}.hpp" for h in IO_HEADERS]
    for f in io_files:
        bad = includes(f) - IO_HEADERS - IO_MAY_ALSO_INCLUDE
        if bad:
            problems.append(f"{f.relative_to(ROOT)} (dnn_io) includes {sorted(bad)}: io must not know the core")
    io_sources = {f.stem for f in (ROOT / "common/io").glob("*.cpp")}
    if not {"cli", "log", "plot"} <= io_sources:
        problems.append(f"common/io/ holds {sorted(io_sources)}: cli, log and plot are expected there")

    cpu_files = list((ROOT / "common/src").glob("*.cpp")) + list((ROOT / "common/io").glob("*.cpp"))
    for chapter in sorted((ROOT / "chapters").iterdir()):
        if chapter.is_dir() and chapter.name not in GPU_CHAPTERS:
            cpu_files += [f for f in chapter.rglob("*") if f.suffix in (".cpp", ".hpp")]
    for f in cpu_files:
        bad = includes(f) & CUDA_HEADERS
        if bad:
            problems.append(f"{f.relative_to(ROOT)} includes {sorted(bad)}: only dnn_cuda and the GPU chapters may")

    cli11 = re.compile(r'^\s*#\s*include\s+(<CLI/CLI\.hpp>|"dnn/cli\.hpp")', re.M)
    headers = [f for d in ("common", "chapters", "tests", "solutions", "exercises") for f in (ROOT / d).rglob("*.hpp")]
    for f in headers:
        if f != ROOT / "common/include/dnn/cli.hpp" and cli11.search(f.read_text(errors="replace")):
            problems.append(f"{f.relative_to(ROOT)} includes CLI11 (CLI/CLI.hpp or dnn/cli.hpp): every file that "
                            "includes this header then compiles CLI11 (~15 s); include dnn/options.hpp, or forward-"
                            "declare CLI::App, and leave CLI11 to the .cpp that declares the flags")

    have_cuda = len(argv) > 1 and argv[1] == "1"
    programs = sorted(p for p in (build / "bin").iterdir() if p.is_file()) if (build / "bin").is_dir() else []
    if not programs:
        problems.append(f"no chapter programs in {build / 'bin'}: build them first")
    for p in programs:
        libs = subprocess.run(["ldd", str(p)], text=True, capture_output=True).stdout
        cuda_libs = sorted(set(re.findall(r"lib(cudart|cublas\w*)\.so", libs)))
        if p.name not in GPU_CHAPTERS and cuda_libs:
            problems.append(f"bin/{p.name} links {cuda_libs}: a CPU chapter must not link CUDA")
        if p.name in GPU_CHAPTERS and have_cuda and "cudart" not in cuda_libs:
            problems.append(f"bin/{p.name} does not link libcudart although this build has CUDA (ldd: is the check blind?)")
        if p.name not in GPU_CHAPTERS and (build / "build.ninja").exists():
            r = subprocess.run(["ninja", "-C", str(build), "-t", "commands", p.name], text=True, capture_output=True)
            nvcc = [l for l in r.stdout.splitlines() if "nvcc" in l]
            if nvcc:
                problems.append(f"building {p.name} compiles {len(nvcc)} CUDA file(s), e.g. {nvcc[0][:160]}")
    print(f"checked {len(io_files)} io files, {len(cpu_files)} CPU sources, {len(programs)} programs "
          f"(CUDA {'on' if have_cuda else 'off'} in this build)")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
