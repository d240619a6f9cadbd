// Two iterators where the first has a target the kernel refuses on a locked-down host: the
// map-element iterator (needs a map, refused here with EPERM) comes first, the task_file one
// second. `pin OBJ PATH prog dump_files` must load and pin dump_files alone, never touching
// dump_elems; output is "pid P fd F" for every open file of every process.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int dump_elems(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;
	__u64 *value = ctx->value;

	if (key == NULL || value == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", *key, *value);
	return 0;
}

SEC("iter/task_file")
int dump_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL || ctx->file == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "pid %d fd %d\n", task->tgid, ctx->fd);
	return 0;
}
