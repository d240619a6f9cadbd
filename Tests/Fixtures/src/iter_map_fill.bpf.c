// Fills four maps when read: for each process, key = tgid, value = tgid * 2 (hash, per-cpu hash)
// and key = tgid % 64 (array). The maps live as long as the pinned iterator; a map-element
// iterator (iter_map_elem) then walks them by name, id or pinned path.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} fill_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} fill_array SEC(".maps");

/* Pinned by name at /sys/fs/bpf/fill_pinned (LIBBPF_PIN_BY_NAME), reused by later loads. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, 1);
} fill_pinned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} fill_percpu SEC(".maps");

SEC("iter/task")
int fill_maps(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 key, slot;
	__u64 value;

	if (task == NULL || task->pid != task->tgid)
		return 0;
	key = task->tgid;
	value = (__u64)key * 2;
	slot = key % 64;
	bpf_map_update_elem(&fill_hash, &key, &value, BPF_ANY);
	bpf_map_update_elem(&fill_percpu, &key, &value, BPF_ANY);
	bpf_map_update_elem(&fill_pinned, &key, &value, BPF_ANY);
	bpf_map_update_elem(&fill_array, &slot, &value, BPF_ANY);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", key);
	return 0;
}
