// AVX-512 kernels: built with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma, called only where the CPU has them.
#define LL_NS ll_avx512
#define LL_V 16
#define LL_MR 12
#define LL_NAME ll_kernels_avx512
#define LL_NAME_STR "avx512"
#include "kernels_impl.h"
