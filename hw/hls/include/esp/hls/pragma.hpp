// HLS pragmas that g++ builds (swemu, unit tests, -Wall -Werror) do not see.
//
// ESP_HLS_PRAGMA(HLS PIPELINE II = 1) is `#pragma HLS PIPELINE II = 1` when
// Vitis HLS synthesises the kernel (__SYNTHESIS__) and nothing otherwise, so
// that g++ does not warn about pragmas it does not know. Loop labels (which
// name the loops in the HLS reports) are plain C labels; headers that use
// them bracket their code with ESP_HLS_BEGIN / ESP_HLS_END so that g++ does
// not warn that they are unused.
#pragma once

#if defined(__SYNTHESIS__)
#define ESP_HLS_PRAGMA(x) _Pragma(#x)
#else
#define ESP_HLS_PRAGMA(x)
#endif

#define ESP_HLS_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-label\"")
#define ESP_HLS_END _Pragma("GCC diagnostic pop")
