// A kfunc call (bpf_task_from_pid, Linux 6.2+): for each process, look the task up again by pid,
// print its tgid and release the reference. On older kernels, loading fails with a clear error.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

SEC("iter/task")
int lookup_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task, *found;

	if (task == NULL || task->pid != task->tgid)
		return 0;
	found = bpf_task_from_pid(task->pid);
	if (found == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %d\n", task->pid, found->tgid);
	bpf_task_release(found);
	return 0;
}
