/// @file cuda_device.hpp
/// @brief Is there a GPU to run on? Answers in every build (with or without CUDA).
#pragma once

#include <string>

namespace dnn::cuda {

/// True when this build has CUDA and a usable device is present. Otherwise false, and `*why`
/// (if given) says why: built without nvcc, no device, or the driver is too old.
bool device_available(std::string* why = nullptr);

/// "NVIDIA H200 (sm_90, 132 SMs, 141 GB)" or the reason there is none.
std::string device_description();

/// True when this build was compiled with CUDA.
bool built_with_cuda();

}  // namespace dnn::cuda
