// Iterators in an object that also holds other program types, as real objects have them (the
// kernel's kmem_cache_iter selftest, bpftune's probe.bpf.c): fentry, raw_tp, tp, kprobe, syscall
// and xdp programs come first in section order, then an iter/task program and, later, an
// iter/bpf_map one. They share a .bss counter and a hash map, and the static subprogram bump()
// in .text is called both by the task iterator and by the raw_tp program. `pin` must pick the
// first iterator (dump_task), not the first program, and load only what it needs.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

/* Shared by the iterator and the other programs. */
__u64 events;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

/* Counts one more sighting of key: called from the task iterator and from raw_tp. */
static __noinline __u64 bump(__u32 key)
{
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&seen, &key);
	if (count == NULL) {
		bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST);
		return 1;
	}
	*count += 1; /* not __sync_fetch_and_add: clang emits BPF_FETCH, which needs 5.12 */
	return *count;
}

SEC("fentry/do_nanosleep")
int on_nanosleep(unsigned long long *ctx)
{
	events += 1;
	return 0;
}

SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	bump((__u32)(bpf_get_current_pid_tgid() >> 32));
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int on_getpid(struct trace_event_raw_sys_enter *ctx)
{
	/* The record's common header (its first 8 bytes) is not readable; id is. */
	__u32 key = (__u32)(bpf_get_current_pid_tgid() >> 32);
	__u64 nr = ctx->id;

	bpf_map_update_elem(&seen, &key, &nr, BPF_ANY);
	return 0;
}

SEC("kprobe/do_sys_open")
int on_open(struct pt_regs *ctx)
{
	events += 1;
	return 0;
}

SEC("syscall")
int reset(void *ctx)
{
	events = 0;
	return 0;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	events += 1;
	return XDP_PASS;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	bump(task->tgid);
	events += 1;
	BPF_SEQ_PRINTF(ctx->meta->seq, "pid %d tgid %d\n", task->pid, task->tgid);
	return 0;
}

SEC("iter/bpf_map")
int dump_maps(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;

	if (map == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "map %u %s\n", map->id, map->name);
	return 0;
}
