/* Our own minimal BPF program header for the fixtures: types, SEC and map macros, the helpers the
 * fixtures call, and BPF_SEQ_PRINTF. Written from the kernel's UAPI (helper numbers from
 * linux/bpf.h's __BPF_FUNC_MAPPER); no libbpf headers are used. */
#ifndef ITER_BPF_H
#define ITER_BPF_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))
#define __weak __attribute__((weak))
#define __hidden __attribute__((visibility("hidden")))
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))

/* BTF-defined maps: each attribute is encoded in the type of a member. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
#define BPF_F_NO_PREALLOC (1U << 0)

struct seq_file;

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *src) = (void *)115;
static long (*bpf_seq_printf)(struct seq_file *m, const char *fmt, __u32 fmt_size, const void *data, __u32 data_len) = (void *)126;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;
static void *(*bpf_per_cpu_ptr)(const void *percpu_ptr, __u32 cpu) = (void *)153;

/* The kconfig tristate, as libbpf defines it (externs of this enum type read y/n/m). */
enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

/* True if a weak __ksym extern exists in the running kernel (libbpf's bpf_ksym_exists). */
#define bpf_ksym_exists(sym)                                                              \
	({                                                                                \
		_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
		!!sym;                                                                    \
	})

/* BPF_SEQ_PRINTF(seq, "fmt", args...): the format string lands in .rodata (the kernel wants it
 * in a frozen read-only map), the arguments in a u64 array on the stack. */
#define ___iter_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___iter_narg(...) ___iter_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define ___iter_concat(a, b) a ## b
#define ___iter_apply(fn, n) ___iter_concat(fn, n)
#define ___iter_fill0(arr, p, ...)
#define ___iter_fill1(arr, p, x) arr[p] = (__u64)(x);
#define ___iter_fill2(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill1(arr, p + 1, args)
#define ___iter_fill3(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill2(arr, p + 1, args)
#define ___iter_fill4(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill3(arr, p + 1, args)
#define ___iter_fill5(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill4(arr, p + 1, args)
#define ___iter_fill6(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill5(arr, p + 1, args)
#define ___iter_fill7(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill6(arr, p + 1, args)
#define ___iter_fill8(arr, p, x, args...) arr[p] = (__u64)(x); ___iter_fill7(arr, p + 1, args)
#define ___iter_fill(arr, args...) ___iter_apply(___iter_fill, ___iter_narg(args))(arr, 0, ##args)

#define BPF_SEQ_PRINTF(seq, fmt, args...)                                     \
	({                                                                    \
		static const char ___fmt[] = fmt;                             \
		unsigned long long ___param[___iter_narg(args) + 1];          \
		___iter_fill(___param, args)                                  \
		bpf_seq_printf(seq, ___fmt, sizeof(___fmt), ___param,         \
			       ___iter_narg(args) * sizeof(__u64));           \
	})

#endif
