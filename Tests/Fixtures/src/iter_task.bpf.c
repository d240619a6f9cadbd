// A task iterator in the style of bpftool's example: one line per task with pid, tgid and comm.
// The format strings live in .rodata; task fields are read through CO-RE relocations.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "    pid    tgid comm\n");
	BPF_SEQ_PRINTF(seq, "%7d %7d %s\n", task->pid, task->tgid, task->comm);
	return 0;
}
