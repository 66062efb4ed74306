// AVX2 + FMA kernels: built with -mavx2 -mfma, called only where the CPU has them.
#define LL_NS ll_avx2
#define LL_V 8
#define LL_MR 6
#define LL_NAME ll_kernels_avx2
#define LL_NAME_STR "avx2"
#include "kernels_impl.h"
