// Static subprograms: the iterator calls two static functions in .text (one through another),
// so the loader must append them and fix the call offsets.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

static __noinline int is_leader(int pid, int tgid)
{
	return pid == tgid;
}

static __noinline int kind_of(int pid, int tgid)
{
	return is_leader(pid, tgid) ? 1 : 2;
}

SEC("iter/task")
int dump_threads(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	int pid, tgid;

	if (task == NULL)
		return 0;
	pid = task->pid;
	tgid = task->tgid;
	if (kind_of(pid, tgid) == 1)
		BPF_SEQ_PRINTF(seq, "%d leader\n", pid);
	else
		BPF_SEQ_PRINTF(seq, "%d thread of %d\n", pid, tgid);
	return 0;
}
