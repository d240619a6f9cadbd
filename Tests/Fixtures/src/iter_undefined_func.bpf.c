// One iterator calls a function declared here but defined in another object (an object meant for
// `bpftool gen object` linking); the other iterator does not. The first cannot load without the
// other object; the second must still pin alone with `prog dump_pids`.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern int lib_task_weight(struct task_struct *task);

SEC("iter/task")
int uses_library(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", lib_task_weight(task));
	return 0;
}

SEC("iter/task")
int dump_pids(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", task->pid);
	return 0;
}
