// A task_vma iterator (5.12+): "pid start end" for every memory mapping.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_vma")
int dump_vmas(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;

	if (task == NULL || vma == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %lx %lx\n", task->tgid, vma->vm_start, vma->vm_end);
	return 0;
}
