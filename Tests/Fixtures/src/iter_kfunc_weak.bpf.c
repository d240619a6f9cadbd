// Weak kfuncs guarded by bpf_ksym_exists(): the same object loads on every kernel; where the
// kfunc is missing the guarded code is dead and its poisoned call is never reached.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(int pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void bpf_iter_no_such_kfunc(void) __ksym __weak;

SEC("iter/task")
int maybe_lookup(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task, *found;

	if (task == NULL || ctx->meta->seq_num != 0)
		return 0;
	if (bpf_ksym_exists(bpf_iter_no_such_kfunc))
		bpf_iter_no_such_kfunc();
	if (!bpf_ksym_exists(bpf_task_from_pid)) {
		BPF_SEQ_PRINTF(ctx->meta->seq, "no bpf_task_from_pid\n");
		return 0;
	}
	found = bpf_task_from_pid(task->pid);
	if (found) {
		BPF_SEQ_PRINTF(ctx->meta->seq, "bpf_task_from_pid %d\n", found->pid);
		bpf_task_release(found);
	}
	return 0;
}
