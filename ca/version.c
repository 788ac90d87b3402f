/*
 * The code in this file implements ca_crypto_build (ca.h): which wolfSSL
 * privca runs on, for privca --version and /metrics.
 *
 * The math comes from the options.h this file was compiled with; the fast
 * build is linked statically, so the library matches that options.h (the
 * #error below catches a build that saw Debian's options.h instead).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/version.h>

#include "privca/ca.h"

#if defined(PRIVCA_WOLFSSL_FAST) && !defined(WOLFSSL_SP_X86_64_ASM)
#error "the fast wolfSSL is linked but the compiler saw an options.h without SP x86_64 asm"
#endif

struct ca_crypto_info ca_crypto_build(void)
{
	struct ca_crypto_info info = {.wolfssl = wolfSSL_lib_version()};
#if defined(WOLFSSL_SP_X86_64_ASM) && defined(WOLFSSL_HAVE_SP_ECC)
	info.math = "sp-asm";
#elif defined(WOLFSSL_HAVE_SP_ECC)
	info.math = "sp";
#else
	info.math = "generic";
#endif
	return info;
}
