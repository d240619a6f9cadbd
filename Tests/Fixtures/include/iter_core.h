/* CO-RE builtins the fixtures use, from clang's documentation of __builtin_preserve_*_info;
 * our own small version of what libbpf's bpf_core_read.h provides. */
#ifndef ITER_CORE_H
#define ITER_CORE_H

enum {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};
enum { BPF_TYPE_EXISTS = 0, BPF_TYPE_SIZE = 1, BPF_TYPE_MATCHES = 2 };
enum { BPF_ENUMVAL_EXISTS = 0, BPF_ENUMVAL_VALUE = 1 };

#define __core_field(src, field, info) __builtin_preserve_field_info((src)->field, BPF_FIELD_##info)
#define bpf_core_field_exists(src, field) __core_field(src, field, EXISTS)
#define bpf_core_type_exists(type) __builtin_preserve_type_info(*(type *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_size(type) __builtin_preserve_type_info(*(type *)0, BPF_TYPE_SIZE)
#define bpf_core_enum_value(type, value) __builtin_preserve_enum_value(*(type *)value, BPF_ENUMVAL_VALUE)
#define bpf_core_enum_value_exists(type, value) __builtin_preserve_enum_value(*(type *)value, BPF_ENUMVAL_EXISTS)

/* Reads a bitfield wherever the running kernel keeps it: byte offset, load size and the shifts
 * that extract it all come from CO-RE relocations. */
#define bpf_core_read_bitfield(src, field)                                                    \
	({                                                                                    \
		unsigned long long __v = 0;                                                   \
		bpf_probe_read_kernel(&__v, __core_field(src, field, BYTE_SIZE),              \
				      (const char *)(src) + __core_field(src, field, BYTE_OFFSET)); \
		__v <<= __core_field(src, field, LSHIFT_U64);                                 \
		if (__core_field(src, field, SIGNED))                                         \
			__v = (unsigned long long)((long long)__v >> __core_field(src, field, RSHIFT_U64)); \
		else                                                                          \
			__v >>= __core_field(src, field, RSHIFT_U64);                         \
		__v;                                                                          \
	})

#endif
