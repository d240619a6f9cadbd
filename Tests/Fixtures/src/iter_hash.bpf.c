// A BTF-defined map used as scratch space: each process (tgid) is printed the first time one of
// its threads is seen in this read. The key includes the read's session id, so every read starts
// afresh; LRU eviction keeps old sessions from filling the map.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

#define BPF_MAP_TYPE_LRU_HASH 9

struct seen_key {
	__u64 session;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct seen_key);
	__type(value, __u32);
} seen SEC(".maps");

SEC("iter/task")
int dump_processes(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct seen_key key = {};
	__u32 one = 1, *threads;

	if (task == NULL)
		return 0;
	key.session = ctx->meta->session_id;
	key.tgid = task->tgid;
	threads = bpf_map_lookup_elem(&seen, &key);
	if (threads) {
		/* Not __sync_fetch_and_add: clang emits BPF_FETCH for it, which needs Linux 5.12. */
		*threads += 1;
		return 0;
	}
	bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST);
	BPF_SEQ_PRINTF(seq, "process %d %s\n", task->tgid, task->comm);
	return 0;
}
