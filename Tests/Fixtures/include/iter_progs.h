/* What the fixtures mixing iterators with other program types, maps of maps and program arrays
 * need beyond iter_bpf.h and iter_kernel.h (include it after both): map types, bpf_tail_call,
 * XDP return codes and the contexts of fentry, raw_tp, tp, kprobe and xdp programs. A header of
 * its own because clang records each header's MD5 in the DWARF line table: adding to the other
 * two would change the bytes of every object built from them. */
#ifndef ITER_PROGS_H
#define ITER_PROGS_H

enum {
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_HASH_OF_MAPS = 13,
};
enum xdp_action { XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2, XDP_TX = 3, XDP_REDIRECT = 4 };

static long (*bpf_tail_call)(void *ctx, void *prog_array_map, __u32 index) = (void *)12;

/* Declared like iter_kernel.h's types (vmlinux.h style, CO-RE relocated). fentry programs take
 * the traced function's arguments as an array of u64 (no struct needed); raw_tp ones the
 * tracepoint's arguments; tp ones the tracepoint's record; kprobe ones the registers (opaque
 * here: the fixtures read none, so nothing depends on the architecture); syscall ones a buffer
 * of the caller's choosing. */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
};

struct pt_regs;

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
};

/* The TCP iterator's context and the fields of struct sock_common it reads; the ___tcp flavor
 * keeps the name apart from iter_kernel.h's sock_common (CO-RE drops the suffix). */
struct sock_common___tcp {
	__u32 skc_rcv_saddr;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
};

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common___tcp *sk_common;
	unsigned int uid;
};

/* The task fields iter_task_record.bpf.c reads beyond iter_kernel.h's task_struct. */
struct task_struct___record {
	int pid;
	int tgid;
	char comm[16];
	unsigned int flags;
	unsigned int policy;
};

#pragma clang attribute pop

#endif
