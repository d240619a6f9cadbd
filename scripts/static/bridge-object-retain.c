/*
 * Linked into every static iter (scripts/build-static.sh): swift_bridgeObjectRetain and
 * swift_bridgeObjectRetain_n as the compiler expects them, returning the object they were given.
 *
 * The Embedded Swift runtime of Swift 6.3 (stdlib/public/core/EmbeddedRuntime.swift) returns the
 * object with its BridgeObject tag bits masked off (& 0x8fff_ffff_ffff_fff8), while IRGen declares
 * both functions as returning their first argument (FirstParamReturned). AArch64 code generation
 * takes the call's result register in place of the argument after the call, so a String whose
 * object word carries bits there (every small string: discriminator in bits 60-63, UTF-8 in the
 * low bytes) comes back corrupted; on x86-64 the backend does not use the result and the bug stays
 * latent. Seen as `iter pin` crashing in String code on aarch64 (the error message's program
 * name lost bits 61, 62 and 0-2). Fixed upstream in swiftlang/swift#91151 (2026-07-31); the same
 * bug in the full runtime on ARM64 Linux was swiftlang/swift#62030.
 *
 * The stdlib emits its versions as weak definitions into every Swift module; these strong ones
 * win at link time. The retain itself stays the runtime's (swift_retain_n: no-op for null and
 * immortal objects).
 */
#include <stdint.h>

#if UINTPTR_MAX == 0xffffffffffffffffu
#define BRIDGE_OBJECT_TO_PLAIN_OBJECT_MASK ((uintptr_t)0x8ffffffffffffff8u)
#else
#define BRIDGE_OBJECT_TO_PLAIN_OBJECT_MASK ((uintptr_t)0xffffffffu)
#endif

void *swift_retain_n(void *object, uint32_t n);

void *swift_bridgeObjectRetain_n(void *object, uint32_t n) {
	(void)swift_retain_n((void *)((uintptr_t)object & BRIDGE_OBJECT_TO_PLAIN_OBJECT_MASK), n);
	return object;
}

void *swift_bridgeObjectRetain(void *object) {
	return swift_bridgeObjectRetain_n(object, 1);
}
