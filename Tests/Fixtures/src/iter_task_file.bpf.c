// A task_file iterator: "pid fd" for every open file of every process.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_file")
int dump_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL || ctx->file == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %u\n", task->tgid, ctx->fd);
	return 0;
}
