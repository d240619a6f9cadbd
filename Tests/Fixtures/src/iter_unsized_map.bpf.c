// A declared hash map without max_entries, left for the loader to size as falco's objects leave
// theirs (unless bpf_map__set_max_entries() is called, libbpf creates it with max_entries 0 and
// the kernel answers EINVAL). The task iterator counts each process's threads in it and prints
// "tgid threads-seen-so-far" when it meets a thread group leader.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
} threads SEC(".maps");

SEC("iter/task")
int count_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 tgid;
	__u64 one = 1, *count;

	if (task == NULL)
		return 0;
	tgid = task->tgid;
	count = bpf_map_lookup_elem(&threads, &tgid);
	if (count == NULL) {
		bpf_map_update_elem(&threads, &tgid, &one, BPF_NOEXIST);
		count = &one;
	} else {
		__sync_fetch_and_add(count, 1);
	}
	if (task->pid == tgid)
		BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", tgid, *count);
	return 0;
}
