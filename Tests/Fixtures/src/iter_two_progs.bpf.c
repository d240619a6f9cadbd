// Three programs in one object: the first (task) is what `pin` picks by default, the second
// (bpf_map) is chosen with `prog dump_maps`, and the third sits in a `?` section, so it is loaded
// only when chosen by name.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int dump_pids(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "pid %d\n", task->pid);
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

SEC("?iter/task")
int dump_optional(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "optional %d\n", task->tgid);
	return 0;
}
