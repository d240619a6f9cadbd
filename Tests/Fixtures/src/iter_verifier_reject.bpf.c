// Rejected by the verifier on purpose: the task pointer may be NULL (at the end of the walk) and
// is used without a check. The error must show this source line, from line_info.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int unchecked_task(struct bpf_iter__task *ctx)
{
	int pid = ctx->task->pid; /* no NULL check */

	BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", pid);
	return 0;
}
