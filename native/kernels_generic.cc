// Portable kernels: 4-float vectors, which the compiler maps onto SSE2 on
// x86-64 and NEON on AArch64 (both part of those architectures' baseline).
#define LL_NS ll_generic
#define LL_V 4
#define LL_MR 6
#define LL_NAME ll_kernels_generic
#if defined(__aarch64__)
#define LL_NAME_STR "neon"
#else
#define LL_NAME_STR "sse2"
#endif
#include "kernels_impl.h"
