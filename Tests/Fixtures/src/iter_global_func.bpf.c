// A global (non-static) function: the kernel verifies it on its own, from its BTF signature, so
// the object's BTF and func_info must be loaded with the program.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

__noinline int weight(int pid, int tgid)
{
	return pid == tgid ? 10 : 1;
}

SEC("iter/task")
int weigh_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %d\n", task->pid, weight(task->pid, task->tgid));
	return 0;
}
