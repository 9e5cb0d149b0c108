// The MPI world of chapter 08: start and stop MPI, the allreduce switch (MPI_Allreduce or the
// chapter's ring), and the check that all ranks hold the same model (their weight hashes).
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

#if DNN_SANITIZED
#include <sanitizer/lsan_interface.h>  // Open MPI keeps some start-up allocations to the end: not leaks of ours
#define CH08_LSAN_OFF __lsan_disable()
#define CH08_LSAN_ON __lsan_enable()
#else
#define CH08_LSAN_OFF (void)0
#define CH08_LSAN_ON (void)0
#endif

#include "dnn/parallel.hpp"
#include "parallel.hpp"

namespace ch08 {

MpiWorld::MpiWorld() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    CH08_LSAN_OFF;
    MPI_Init(nullptr, nullptr);
    CH08_LSAN_ON;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiWorld::~MpiWorld() {
  if (std::uncaught_exceptions() == 0) {
    CH08_LSAN_OFF;
    MPI_Finalize();
  }
}

bool MpiWorld::launched_by_mpirun() {
  // Open MPI's launcher sets OMPI_COMM_WORLD_SIZE; PMI_SIZE / PMIX_RANK cover MPICH and Slurm.
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

template <typename T>
void allreduce_sum(T* data, int n, const std::string& how, MPI_Comm comm) {
  if (how == "ring") {
    dnn::parallel::ring_allreduce(data, n, comm);
  } else {
    MPI_Allreduce(MPI_IN_PLACE, data, n, dnn::parallel::mpi_type<T>(), MPI_SUM, comm);
  }
}
template void allreduce_sum<float>(float*, int, const std::string&, MPI_Comm);
template void allreduce_sum<double>(double*, int, const std::string&, MPI_Comm);
template void allreduce_sum<std::int64_t>(std::int64_t*, int, const std::string&, MPI_Comm);

void check_same_weights(const dnn::Mlp& net, const MpiWorld& world, int epoch) {
  const unsigned long long mine = weights_hash(net);
  std::vector<unsigned long long> all(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all.data(), 1, MPI_UNSIGNED_LONG_LONG, world.comm());
  for (int r = 1; r < world.size(); ++r)
    if (all[static_cast<std::size_t>(r)] != all[0])
      throw std::runtime_error("after epoch " + std::to_string(epoch) + " rank " + std::to_string(r) +
                               " holds other weights than rank 0 (hash " + hex(all[static_cast<std::size_t>(r)]) +
                               " vs " + hex(all[0]) + "): the ranks no longer train one model");
}

}  // namespace ch08
