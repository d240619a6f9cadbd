// A field no kernel has, read without a bpf_core_field_exists() guard: the relocation is
// poisoned and the verifier reaches it, so the error must name the relocation.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

struct task_struct___missing {
	int iter_no_such_field;
} __attribute__((preserve_access_index));

SEC("iter/task")
int read_missing(struct bpf_iter__task *ctx)
{
	struct task_struct___missing *task = (void *)ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", task->iter_no_such_field);
	return 0;
}
